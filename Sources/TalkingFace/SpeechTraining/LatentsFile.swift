import Autodiff
import Foundation
import MediaIO

/// A latents file (`TensorFile` HDF5): the per-frame codes `dae encode` writes for a data
/// set and `s2l predict` writes for a speech file, and that `dae decode` renders. The keys
/// are those of `dae encode` (`DAELatents`):
///
///     z_sem    (N, Z) float32     semantic code per frame                (required)
///     frames   (N) int64          data-set frame of each row             (optional here: default 0..<N)
///     pose     (N, 3) float32     yaw, pitch, roll in radians            (optional)
///     x_T      (N, 3, S, S)       stochastic code per frame              (optional)
///     root attributes: fps, pose_units ("radians"), source, …
///
/// Only `z_sem` is required to read; `s2l predict` writes z_sem, frames and pose. Other
/// keys (reference_x_T, factors.*) are ignored.
public struct LatentsFile {
    public enum Key {
        public static let zSem = "z_sem"
        public static let pose = "pose"
        public static let xT = "x_T"
        public static let frameIndex = "frames"
    }

    public var zSem: Tensor          // (N, Z)
    public var pose: Tensor?         // (N, 3), radians
    public var xT: Tensor?
    public var frameIndex: [Int]?
    public var attributes: [String: String]

    public init(zSem: Tensor, pose: Tensor? = nil, xT: Tensor? = nil, frameIndex: [Int]? = nil, attributes: [String: String] = [:]) {
        precondition(zSem.rank == 2, "z_sem must be (N, Z), got \(zSem.shape)")
        self.zSem = zSem
        self.pose = pose
        self.xT = xT
        self.frameIndex = frameIndex
        self.attributes = attributes
    }

    public var count: Int { zSem.size(0) }

    /// Reads and checks `url`: z_sem present and 2-D, pose (N, 3), frames N long and
    /// increasing by one (speech-to-latent needs every frame). Errors name the file and the key.
    public static func read(_ url: URL) throws -> LatentsFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MediaIOError(.fileNotFound, file: url, "no latents file here (write one with `talkingface dae encode`)")
        }
        let contents = try TensorFile.readContents(url)
        try requireFinite(contents.tensors, in: url)
        guard let zSem = contents.tensors[Key.zSem] else {
            let found = (Array(contents.tensors.keys) + Array(contents.integers.keys)).sorted().joined(separator: ", ")
            throw MediaIOError(.invalidArgument, file: url, key: Key.zSem, "missing; a latents file needs z_sem (N, Z) (found: \(found.isEmpty ? "nothing" : found))")
        }
        guard zSem.rank == 2, zSem.size(0) > 0, zSem.size(1) > 0 else {
            throw MediaIOError(.invalidArgument, file: url, key: Key.zSem, "shape \(zSem.shape); expected (N, Z) with N, Z > 0")
        }
        let n = zSem.size(0)
        let pose = contents.tensors[Key.pose]
        if let pose, pose.shape != [n, 3] {
            throw MediaIOError(.invalidArgument, file: url, key: Key.pose, "shape \(pose.shape); expected (\(n), 3) beside z_sem \(zSem.shape)")
        }
        let frameIndex = contents.integers[Key.frameIndex].map { $0.map(Int.init) }
        if let frameIndex, frameIndex.count != n || zip(frameIndex, frameIndex.dropFirst()).contains(where: { $1 != $0 + 1 }) {
            throw MediaIOError(.invalidArgument, file: url, key: Key.frameIndex,
                               "\(frameIndex.count) frame numbers for \(n) rows of z_sem; expected consecutive frames (one row per frame, no gaps)")
        }
        return LatentsFile(zSem: zSem, pose: pose, xT: contents.tensors[Key.xT], frameIndex: frameIndex, attributes: contents.attributes)
    }

    /// The data-set frame of row 0 (0 unless `frames` says otherwise).
    public var firstFrame: Int { frameIndex?.first ?? 0 }

    public func write(to url: URL) throws {
        var tensors = [Key.zSem: zSem]
        if let pose { tensors[Key.pose] = pose }
        if let xT { tensors[Key.xT] = xT }
        let integers = frameIndex.map { [Key.frameIndex: $0.map(Int64.init)] } ?? [:]
        var attributes = self.attributes
        if pose != nil { attributes["pose_units"] = "radians" }
        try TensorFile.write(tensors, integers: integers, attributes: attributes, to: url)
    }
}
