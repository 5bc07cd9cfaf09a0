import NeuralNetworks

/// espnet's Conformer `ConvolutionModule`: pointwise conv to 2D → GLU → depthwise conv
/// (kernel K, same padding) → BatchNorm → Swish → pointwise conv.
///
/// Padded frames are zeroed before the depthwise conv, so a padded sequence sees the same
/// zeros at its end as the conv's own padding would give it alone. (BatchNorm's training
/// statistics still count those zeros, as in espnet.)
public final class ConformerConvolution: Module {
    public let pointwiseConv1: Conv1d  // (2D, D, 1)
    public let depthwiseConv: Conv1d   // (D, 1, K)
    public let norm: BatchNorm1d
    public let pointwiseConv2: Conv1d  // (D, D, 1)

    public init(dimension d: Int, kernelSize k: Int, rng: inout RandomGenerator) {
        precondition(k % 2 == 1, "the depthwise kernel must be odd for same padding, got \(k)")
        pointwiseConv1 = Conv1d(d, 2 * d, kernelSize: 1, rng: &rng)
        depthwiseConv = Conv1d(d, d, kernelSize: k, padding: (k - 1) / 2, groups: d, rng: &rng)
        norm = BatchNorm1d(d)
        pointwiseConv2 = Conv1d(d, d, kernelSize: 1, rng: &rng)
    }

    /// x (B, T, D), frameMask (B, 1, T) with 1 = real frame → (B, T, D).
    public func callAsFunction(_ x: Tensor, frameMask: Tensor? = nil) -> Tensor {
        var h = glu(pointwiseConv1(x.transposed(1, 2)), dim: 1)  // (B, D, T)
        if let frameMask { h = h * frameMask }
        h = silu(norm(depthwiseConv(h)))
        return pointwiseConv2(h).transposed(1, 2)
    }
}
