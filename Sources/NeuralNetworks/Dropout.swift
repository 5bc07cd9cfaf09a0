import Autodiff

/// Inverted dropout, active only in training mode (`Module.train()`).
///
/// Each Dropout draws from its own generator, seeded from the model's initialisation
/// stream, so a seeded model is reproducible; `generator` is public so a trainer that
/// needs a bit-exact resume can save and restore it.
public final class Dropout: Module, UnaryLayer {
    public let p: Float
    public var generator: RandomGenerator

    public init(p: Float, rng: inout RandomGenerator) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        self.p = p
        generator = RandomGenerator(seed: rng.next())
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        dropout(x, p: p, using: &generator, training: training)
    }
}
