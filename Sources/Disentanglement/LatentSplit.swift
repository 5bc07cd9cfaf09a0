import DiffusionAutoencoder
import Foundation
import MediaIO

/// The optional split of z_sem into named parts (docs/architecture.md §8): z_sem = [z_id | z_pose | z_exp],
/// consecutive channels in that order. The model itself does not change — the split is a
/// reading of its z_sem that the training pressures of `LatentSplitLoss` make true.
public struct LatentSplit: Codable, Equatable, Sendable, CustomStringConvertible {
    public var id: Int
    public var pose: Int
    public var expression: Int

    public init(id: Int, pose: Int, expression: Int) {
        precondition(id >= 0 && pose >= 0 && expression >= 0, "negative latent part size")
        self.id = id
        self.pose = pose
        self.expression = expression
    }

    /// Three consecutive parts of (nearly) equal size covering `channels`: the reading an
    /// unsplit model is probed with, for comparison (earlier parts take the remainder).
    public static func thirds(of channels: Int) -> LatentSplit {
        let base = channels / 3, extra = channels % 3
        return LatentSplit(id: base + (extra > 0 ? 1 : 0), pose: base + (extra > 1 ? 1 : 0), expression: base)
    }

    /// Parses "ID,POSE,EXP" (e.g. "8,4,20").
    public init?(parsing text: String) {
        let fields = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard fields.count == 3, let a = fields[0], let b = fields[1], let c = fields[2], a >= 0, b >= 0, c >= 0 else {
            return nil
        }
        self.init(id: a, pose: b, expression: c)
    }

    public var total: Int { id + pose + expression }
    public var sizes: [Int] { [id, pose, expression] }
    public static let partNames = ["id", "pose", "exp"]

    public var idRange: Range<Int> { 0..<id }
    public var poseRange: Range<Int> { id..<(id + pose) }
    public var expressionRange: Range<Int> { (id + pose)..<total }
    public var ranges: [Range<Int>] { [idRange, poseRange, expressionRange] }

    /// z (N, total) → (z_id (N, id), z_pose (N, pose), z_exp (N, expression)); on the tape.
    public func parts(of z: Tensor) -> (id: Tensor, pose: Tensor, expression: Tensor) {
        precondition(z.rank == 2 && z.shape[1] == total, "latent split \(self) of z \(z.shape)")
        let p = z.split(sizes, dim: 1)
        return (p[0], p[1], p[2])
    }

    /// The inverse of `parts`: [z_id | z_pose | z_exp] (N, total).
    public func join(id: Tensor, pose: Tensor, expression: Tensor) -> Tensor {
        concat([id, pose, expression], dim: 1)
    }

    public var description: String { "id \(id), pose \(pose), exp \(expression)" }

    /// The file a trainer writes next to a checkpoint so probes find the split it trained with.
    public static func sidecar(of checkpoint: URL) -> URL {
        checkpoint.deletingPathExtension().appendingPathExtension("split.json")
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).writeAtomically(to: url)
    }

    public static func read(_ url: URL) throws -> LatentSplit {
        try JSONDecoder().decode(LatentSplit.self, from: Data(contentsOf: url))
    }
}
