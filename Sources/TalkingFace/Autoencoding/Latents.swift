import Autodiff
import Foundation
import MediaIO

/// A latents file (`latents.h5`, one `TensorFile`): the diffusion autoencoder's codes of a
/// run of frames. `dae encode` writes them for a data set's frames, `s2l predict` for
/// speech, `generate` beside its frames; `dae decode` renders them and `s2l train`,
/// `bundle` and `finetune` read them.
///
///     z_sem            (N, Z)        semantic code per frame                      (required)
///     frames           (N,) int      the data-set frame of each row (else 0..<N)
///     x_T              (N, 3, S, S)  stochastic code per frame (dae encode --stochastic)
///     reference_x_T    (1, 3, S, S)  the stochastic code of one reference frame, shared by
///                                    all frames when decoding from z_sem alone
///     reference_frame  (1,) int      the frame reference_x_T was inverted from
///     pose             (N, 3)        yaw, pitch, roll in radians
///     factors.NAME     (N,)          the data set's factors.h5 at those frames (synthetic speakers)
///     attributes       data, model, fps, stochastic_steps, source, pose_units ("radians"), …
///
/// Reading checks that the parts agree in length and shape; an error names the file and the key.
public struct Latents {
    public enum Key {
        public static let zSem = "z_sem", frames = "frames", xT = "x_T", referenceXT = "reference_x_T"
        public static let referenceFrame = "reference_frame", pose = "pose", factorPrefix = "factors."
    }

    public var zSem: Tensor
    /// The data-set frame of each row as the file records it; nil when it does not.
    public var recordedFrames: [Int]?
    public var xT: Tensor?
    public var referenceXT: Tensor?
    public var referenceFrame: Int?
    /// (N, 3) yaw, pitch, roll in radians.
    public var pose: Tensor?
    public var factors: [String: Tensor]
    public var attributes: [String: String]

    public init(zSem: Tensor, frames: [Int]? = nil, xT: Tensor? = nil, referenceXT: Tensor? = nil, referenceFrame: Int? = nil,
                pose: Tensor? = nil, factors: [String: Tensor] = [:], attributes: [String: String] = [:]) {
        precondition(zSem.rank == 2, "z_sem must be (N, Z), got \(zSem.shape)")
        let n = zSem.shape[0]
        precondition(frames == nil || frames!.count == n, "\(frames!.count) frame numbers for \(n) rows of z_sem")
        precondition(xT == nil || xT!.shape[0] == n, "x_T \(xT!.shape) for \(n) rows of z_sem")
        self.zSem = zSem
        self.recordedFrames = frames
        self.xT = xT
        self.referenceXT = referenceXT
        self.referenceFrame = referenceFrame
        self.pose = pose
        self.factors = factors
        self.attributes = attributes
    }

    /// Rows (frames) held.
    public var count: Int { zSem.shape[0] }

    /// The data-set frame of each row: the recorded ones, else 0..<N.
    public var frames: [Int] { recordedFrames ?? Array(0..<count) }

    public func write(to url: URL) throws {
        var tensors = [Key.zSem: zSem]
        tensors[Key.xT] = xT
        tensors[Key.referenceXT] = referenceXT
        tensors[Key.pose] = pose
        for (name, values) in factors { tensors[Key.factorPrefix + name] = values }
        var integers: [String: [Int64]] = [:]
        if let recordedFrames { integers[Key.frames] = recordedFrames.map { Int64($0) } }
        if let referenceFrame { integers[Key.referenceFrame] = [Int64(referenceFrame)] }
        var attributes = self.attributes
        if pose != nil { attributes["pose_units"] = "radians" }
        try TensorFile.write(tensors, integers: integers, attributes: attributes, to: url)
    }

    /// Reads a latents file; only z_sem is required.
    public static func read(_ url: URL) throws -> Latents {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MediaIOError(.fileNotFound, file: url, "no latents file here (write one with `talkingface dae encode` or `talkingface s2l predict`)")
        }
        let contents = try TensorFile.readContents(url)
        func bad(_ key: String, _ why: String) -> MediaIOError { MediaIOError(.invalidArgument, file: url, key: key, why) }
        guard let zSem = contents.tensors[Key.zSem] else {
            let found = (Array(contents.tensors.keys) + Array(contents.integers.keys)).sorted().joined(separator: ", ")
            throw bad(Key.zSem, "missing; a latents file needs z_sem (N, Z) (found: \(found.isEmpty ? "nothing" : found))")
        }
        guard zSem.rank == 2, zSem.shape[0] > 0, zSem.shape[1] > 0 else {
            throw bad(Key.zSem, "shape \(zSem.shape); expected (N, Z) with N, Z > 0")
        }
        let n = zSem.shape[0]
        let frames = contents.integers[Key.frames]
        if let frames, frames.count != n { throw bad(Key.frames, "\(frames.count) frame numbers for \(n) rows of z_sem") }
        let xT = contents.tensors[Key.xT]
        if let xT, xT.rank != 4 || xT.shape[0] != n || xT.shape[1] != 3 {
            throw bad(Key.xT, "shape \(xT.shape); expected (\(n), 3, S, S)")
        }
        let referenceXT = contents.tensors[Key.referenceXT]
        if let r = referenceXT, r.rank != 4 || r.shape[0] != 1 || r.shape[1] != 3 {
            throw bad(Key.referenceXT, "shape \(r.shape); expected (1, 3, S, S)")
        }
        let pose = contents.tensors[Key.pose]
        if let pose, pose.shape != [n, 3] { throw bad(Key.pose, "shape \(pose.shape); expected (\(n), 3) beside z_sem \(zSem.shape)") }
        var factors: [String: Tensor] = [:]
        for (key, value) in contents.tensors where key.hasPrefix(Key.factorPrefix) {
            guard value.shape == [n] else { throw bad(key, "shape \(value.shape); expected (\(n))") }
            factors[String(key.dropFirst(Key.factorPrefix.count))] = value
        }
        return Latents(zSem: zSem, frames: frames?.map { Int($0) }, xT: xT, referenceXT: referenceXT,
                       referenceFrame: contents.integers[Key.referenceFrame]?.first.map { Int($0) },
                       pose: pose, factors: factors, attributes: contents.attributes)
    }
}
