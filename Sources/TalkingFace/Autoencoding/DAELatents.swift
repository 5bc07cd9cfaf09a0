import Autodiff
import Foundation
import MediaIO

/// The codes of a speaker's frames, as `dae encode` writes them (one HDF5 file, `TensorFile`):
///
///     z_sem            (N, Z)        semantic code per frame
///     x_T              (N, 3, S, S)  stochastic code per frame (only with --stochastic)
///     reference_x_T    (1, 3, S, S)  the stochastic code of one reference frame, shared by
///                                    all frames when decoding from z_sem alone
///     frames           (N,) int      frame numbers in the data set
///     reference_frame  (1,) int
///     pose             (N, 3)        yaw, pitch, roll in radians (if the data set has pose.csv)
///     factors.NAME     (N,)          the data set's factors.h5 at those frames (synthetic speakers)
///     attributes       data, model, fps, stochastic_steps
public struct DAELatents {
    public var zSem: Tensor
    public var xT: Tensor?
    public var referenceXT: Tensor?
    public var frames: [Int]
    public var referenceFrame: Int?
    public var pose: Tensor?
    public var factors: [String: Tensor]
    public var attributes: [String: String]

    public init(zSem: Tensor, xT: Tensor? = nil, referenceXT: Tensor? = nil, frames: [Int], referenceFrame: Int? = nil,
                pose: Tensor? = nil, factors: [String: Tensor] = [:], attributes: [String: String] = [:]) {
        precondition(zSem.rank == 2 && zSem.shape[0] == frames.count, "z_sem \(zSem.shape) for \(frames.count) frames")
        precondition(xT == nil || xT!.shape[0] == frames.count, "x_T \(xT!.shape) for \(frames.count) frames")
        self.zSem = zSem
        self.xT = xT
        self.referenceXT = referenceXT
        self.frames = frames
        self.referenceFrame = referenceFrame
        self.pose = pose
        self.factors = factors
        self.attributes = attributes
    }

    public var count: Int { frames.count }

    private enum Key {
        static let zSem = "z_sem", xT = "x_T", referenceXT = "reference_x_T", frames = "frames"
        static let referenceFrame = "reference_frame", pose = "pose", factorPrefix = "factors."
    }

    public func write(to url: URL) throws {
        var tensors = [Key.zSem: zSem]
        tensors[Key.xT] = xT
        tensors[Key.referenceXT] = referenceXT
        tensors[Key.pose] = pose
        for (name, values) in factors { tensors[Key.factorPrefix + name] = values }
        var integers = [Key.frames: frames.map { Int64($0) }]
        if let referenceFrame { integers[Key.referenceFrame] = [Int64(referenceFrame)] }
        try TensorFile.write(tensors, integers: integers, attributes: attributes, to: url)
    }

    /// Reads a file written by `write`, checking that the parts agree in length.
    public static func read(_ url: URL) throws -> DAELatents {
        guard FileManager.default.fileExists(atPath: url.path) else { throw DAEWorkflowError.missingFile(url, "latents") }
        let contents = try TensorFile.readContents(url)
        try requireFinite(contents.tensors, in: url)
        func bad(_ why: String) -> DAEWorkflowError { .mismatch("\(url.path): \(why)") }
        guard let zSem = contents.tensors[Key.zSem], zSem.rank == 2 else { throw bad("no '\(Key.zSem)' of shape (N, Z); was it written by dae encode?") }
        let n = zSem.shape[0]
        guard let frames = contents.integers[Key.frames], frames.count == n else { throw bad("'\(Key.frames)' must hold \(n) frame numbers") }
        let xT = contents.tensors[Key.xT]
        if let xT, xT.rank != 4 || xT.shape[0] != n || xT.shape[1] != 3 {
            throw bad("'\(Key.xT)' has shape \(xT.shape), expected (\(n), 3, S, S)")
        }
        let referenceXT = contents.tensors[Key.referenceXT]
        if let r = referenceXT, r.rank != 4 || r.shape[0] != 1 || r.shape[1] != 3 {
            throw bad("'\(Key.referenceXT)' has shape \(r.shape), expected (1, 3, S, S)")
        }
        let pose = contents.tensors[Key.pose]
        if let pose, pose.shape != [n, 3] { throw bad("'\(Key.pose)' has shape \(pose.shape), expected (\(n), 3)") }
        var factors: [String: Tensor] = [:]
        for (key, value) in contents.tensors where key.hasPrefix(Key.factorPrefix) {
            guard value.shape == [n] else { throw bad("'\(key)' has shape \(value.shape), expected (\(n))") }
            factors[String(key.dropFirst(Key.factorPrefix.count))] = value
        }
        return DAELatents(zSem: zSem, xT: xT, referenceXT: referenceXT, frames: frames.map { Int($0) },
                          referenceFrame: contents.integers[Key.referenceFrame]?.first.map { Int($0) },
                          pose: pose, factors: factors, attributes: contents.attributes)
    }
}
