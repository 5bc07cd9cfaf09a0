import Autodiff

/// Inverted dropout, active only in training mode (`Module.train()`).
///
/// Each Dropout draws from its own generator, seeded from the model's initialisation
/// stream, so a seeded model is reproducible; `generator` is public so a trainer that
/// needs a bit-exact resume can save and restore it. The mask takes one uniform draw per
/// element, in element order.
public final class Dropout: Module, UnaryLayer {
    public let p: Float
    public var generator: RandomGenerator

    public init(p: Float, rng: inout RandomGenerator) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        self.p = p
        generator = RandomGenerator(seed: rng.next())
    }

    /// In data-parallel training: x holds part `index` of `count` equal parts of the global
    /// batch (batch-major). The layer then draws the whole global batch's mask, one number per
    /// element as one process would, and applies its own part: every rank's generator stays
    /// in step, and the ranks' masks together are one process's.
    public var shard: (index: Int, count: Int)?

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let shard, shard.count > 1, training, p > 0 else { return dropout(x, p: p, using: &generator, training: training) }
        for _ in 0..<(shard.index * x.count) { _ = generator.next() }  // the ranks before this one
        let y = dropout(x, p: p, using: &generator, training: training)
        for _ in 0..<((shard.count - 1 - shard.index) * x.count) { _ = generator.next() }  // and after
        return y
    }
}
