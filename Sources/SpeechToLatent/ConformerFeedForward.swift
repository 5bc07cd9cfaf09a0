import NeuralNetworks

/// espnet's `PositionwiseFeedForward` with Swish: w_2(dropout(swish(w_1(x)))).
public final class ConformerFeedForward: Module {
    public let w1: Linear  // (F, D)
    public let w2: Linear  // (D, F)
    public let dropout: Dropout

    public override class var keyOverrides: [String: String] { ["w1": "w_1", "w2": "w_2"] }

    public init(dimension d: Int, hidden f: Int, dropout p: Float, rng: inout RandomGenerator) {
        w1 = Linear(d, f, rng: &rng)
        w2 = Linear(f, d, rng: &rng)
        dropout = Dropout(p: p, rng: &rng)
    }

    /// (B, T, D) → (B, T, D)
    public func callAsFunction(_ x: Tensor) -> Tensor { w2(dropout(silu(w1(x)))) }
}
