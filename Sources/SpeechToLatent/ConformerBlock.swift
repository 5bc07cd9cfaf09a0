import NeuralNetworks

/// One Conformer block (Gulati et al. 2020) in espnet's `EncoderLayer` layout, pre-norm:
///
///     x = x + ½·FFN_macaron(LN(x))
///     x = x + RelPosMHSA(LN(x))
///     x = x + Conv(LN(x))
///     x = x + ½·FFN(LN(x))
///     y = LN(x)
///
/// each sub-block's output through dropout. Keys are espnet's (`self_attn.linear_q.weight`,
/// `feed_forward_macaron.w_1.bias`, `conv_module.depthwise_conv.weight`, `norm_final.bias` …),
/// in espnet's registration order.
public final class ConformerBlock: Module {
    public let selfAttn: ConformerAttention
    public let feedForward: ConformerFeedForward
    public let feedForwardMacaron: ConformerFeedForward
    public let convModule: ConformerConvolution
    public let normFf: LayerNorm
    public let normMha: LayerNorm
    public let normFfMacaron: LayerNorm
    public let normConv: LayerNorm
    public let normFinal: LayerNorm
    public let dropout: Dropout

    public init(dimension d: Int, heads: Int, feedForward f: Int, kernelSize k: Int, dropout p: Float, rng: inout RandomGenerator) {
        selfAttn = ConformerAttention(dimension: d, heads: heads, rng: &rng)
        feedForward = ConformerFeedForward(dimension: d, hidden: f, dropout: p, rng: &rng)
        feedForwardMacaron = ConformerFeedForward(dimension: d, hidden: f, dropout: p, rng: &rng)
        convModule = ConformerConvolution(dimension: d, kernelSize: k, rng: &rng)
        (normFf, normMha, normFfMacaron, normConv, normFinal) = (LayerNorm(d), LayerNorm(d), LayerNorm(d), LayerNorm(d), LayerNorm(d))
        dropout = Dropout(p: p, rng: &rng)
    }

    /// x (B, T, D), positions (1, 2T−1, D); masks from `FrameMask` (nil: no padding) → (B, T, D).
    public func callAsFunction(_ x: Tensor, positions: Tensor, mask: FrameMask? = nil) -> Tensor {
        var x = x + 0.5 * dropout(feedForwardMacaron(normFfMacaron(x)))
        x = x + dropout(selfAttn(normMha(x), positions: positions, keyMask: mask?.keys))
        x = x + dropout(convModule(normConv(x), frameMask: mask?.channels))
        x = x + 0.5 * dropout(feedForward(normFf(x)))
        return normFinal(x)
    }
}
