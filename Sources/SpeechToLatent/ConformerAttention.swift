import NeuralNetworks

/// espnet's `RelPositionMultiHeadedAttention` (Transformer-XL style): per head,
///
///     scores = ((q + u)·kᵀ + shift((q + v)·pᵀ)) / √dₖ,   p = linear_pos(positions)
///
/// where u and v (`pos_bias_u`, `pos_bias_v`, (H, dₖ)) are learned content and position
/// biases. The content term runs through the fused attention op, the position term as its
/// additive bias. No dropout on the attention weights (the op has none).
public final class ConformerAttention: Module {
    public let posBiasU: Tensor  // (H, dₖ)
    public let posBiasV: Tensor  // (H, dₖ)
    public let heads: Int
    public let linearQ: Linear
    public let linearK: Linear
    public let linearV: Linear
    public let linearOut: Linear
    public let linearPos: Linear  // no bias, as in espnet

    public init(dimension d: Int, heads: Int, rng: inout RandomGenerator) {
        precondition(d % heads == 0, "\(d) dimensions do not split into \(heads) heads")
        let dk = d / heads
        let bound = (6 / Float(heads + dk)).squareRoot()  // xavier_uniform_ on (H, dₖ), espnet's choice
        posBiasU = .uniform([heads, dk], in: -bound...bound, using: &rng)
        posBiasV = .uniform([heads, dk], in: -bound...bound, using: &rng)
        self.heads = heads
        linearQ = Linear(d, d, rng: &rng)
        linearK = Linear(d, d, rng: &rng)
        linearV = Linear(d, d, rng: &rng)
        linearOut = Linear(d, d, rng: &rng)
        linearPos = Linear(d, d, bias: false, rng: &rng)
    }

    /// x (B, T, D), positions (1, 2T−1, D), keyMask (B, 1, 1, T) with 1 = real frame → (B, T, D).
    public func callAsFunction(_ x: Tensor, positions: Tensor, keyMask: Tensor? = nil) -> Tensor {
        let (b, t, d) = (x.size(0), x.size(1), x.size(2)), dk = d / heads
        let q = linearQ(x).reshaped([b, t, heads, dk])                                          // (B, T, H, dₖ)
        let k = linearK(x).reshaped([b, t, heads, dk]).transposed(1, 2)                         // (B, H, T, dₖ)
        let v = linearV(x).reshaped([b, t, heads, dk]).transposed(1, 2)
        let p = linearPos(positions).reshaped([1, 2 * t - 1, heads, dk]).transposed(1, 2)       // (1, H, 2T−1, dₖ)
        let qU = (q + posBiasU).transposed(1, 2), qV = (q + posBiasV).transposed(1, 2)          // (B, H, T, dₖ)
        let scale = 1 / Float(dk).squareRoot()
        let positionScores = relativeShift(matmul(qV, p.transposed(2, 3))) * scale             // (B, H, T, T)
        let context = scaledDotProductAttention(qU, k, v, mask: keyMask, bias: positionScores, scale: scale)
        return linearOut(context.transposed(1, 2).reshaped([b, t, d]))
    }
}
