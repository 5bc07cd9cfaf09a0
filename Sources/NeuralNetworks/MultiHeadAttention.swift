import Autodiff

/// Multi-head attention with separate q/k/v/out projections named as in espnet's
/// `MultiHeadedAttention` (`linear_q`, `linear_k`, `linear_v`, `linear_out`) — the names the
/// Conformer references use — rather than torch's packed `in_proj_weight`.
///
/// `bias` is an additive score term broadcastable to (B, H, Tq, Tk), e.g. a relative
/// position bias; it receives a gradient. `mask` (1 = attend, 0 = blocked) broadcasts the
/// same way, e.g. (B, 1, 1, Tk) for key padding. No dropout on the attention weights.
public final class MultiHeadAttention: Module {
    public let heads: Int
    public let linearQ: Linear
    public let linearK: Linear
    public let linearV: Linear
    public let linearOut: Linear

    public init(dimensions: Int, heads: Int, bias: Bool = true, rng: inout RandomGenerator) {
        precondition(dimensions % heads == 0, "\(dimensions) dimensions do not split into \(heads) heads")
        self.heads = heads
        linearQ = Linear(dimensions, dimensions, bias: bias, rng: &rng)
        linearK = Linear(dimensions, dimensions, bias: bias, rng: &rng)
        linearV = Linear(dimensions, dimensions, bias: bias, rng: &rng)
        linearOut = Linear(dimensions, dimensions, bias: bias, rng: &rng)
    }

    /// query (B, Tq, D), key and value (B, Tk, D) → (B, Tq, D).
    public func callAsFunction(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil, bias: Tensor? = nil
    ) -> Tensor {
        let (q, k, v) = (splitHeads(linearQ(query)), splitHeads(linearK(key)), splitHeads(linearV(value)))
        let attended = scaledDotProductAttention(q, k, v, mask: mask, bias: bias)  // (B, H, Tq, D/H)
        let (b, h, t, d) = (attended.size(0), attended.size(1), attended.size(2), attended.size(3))
        return linearOut(attended.permuted([0, 2, 1, 3]).reshaped([b, t, h * d]))
    }

    /// Self-attention: `self(x, x, x, …)`.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, bias: Tensor? = nil) -> Tensor {
        self(x, x, x, mask: mask, bias: bias)
    }

    /// (B, T, D) → (B, H, T, D/H)
    private func splitHeads(_ x: Tensor) -> Tensor {
        x.reshaped([x.size(0), x.size(1), heads, x.size(2) / heads]).permuted([0, 2, 1, 3])
    }
}
