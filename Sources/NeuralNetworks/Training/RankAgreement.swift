import Autodiff
import Foundation

/// Checks that every rank holds the same weights and training state (optimizer moments,
/// EMA, generators, data order): the ranks of a data-parallel run take identical steps only
/// while they start identical and receive identical averaged gradients.
enum RankAgreement {
    /// FNV-1a over the bytes of the model's state and the training state, in name order.
    static func fingerprint(model: Module, state: TrainingState) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ bytes: UnsafeRawBufferPointer) {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        func add(_ name: String) { Array(name.utf8).withUnsafeBytes(add) }
        for (name, tensor) in model.namedState().sorted(by: { $0.0 < $1.0 }) {
            add(name)
            add(UnsafeRawBufferPointer(tensor.buffer))
        }
        for (name, tensor) in state.tensors.sorted(by: { $0.key < $1.key }) {
            add(name)
            add(UnsafeRawBufferPointer(tensor.buffer))
        }
        for (name, words) in state.integers.sorted(by: { $0.key < $1.key }) {
            add(name)
            words.withUnsafeBytes(add)
        }
        return hash
    }

    /// Throws on every rank when any rank's fingerprint differs from rank 0's.
    static func check(_ fingerprint: UInt64, over communicator: Communicator, step: Int) throws {
        var root = fingerprint
        try withUnsafeMutableBytes(of: &root) { try communicator.broadcast($0, from: 0) }
        var disagreeing: [Float] = [root == fingerprint ? 0 : 1]
        try disagreeing.withUnsafeMutableBufferPointer { try communicator.allreduceAverage($0) }
        guard disagreeing[0] == 0 else {
            let ranks = Int((disagreeing[0] * Float(communicator.size)).rounded())
            throw CommunicatorError("at step \(step), \(ranks) of \(communicator.size) ranks hold weights or training state unlike rank 0's "
                                    + "(were they started from different checkpoints or options?)")
        }
    }
}
