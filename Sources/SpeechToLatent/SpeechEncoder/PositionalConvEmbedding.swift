import NeuralNetworks

/// The grouped convolution of the positional embedding, with its weight stored as
/// weight norm (`weight_g` (1, 1, K), `weight_v` (D, D/groups, K); norm over all but the
/// kernel axis, torch's `weight_norm(dim=2)`) — or as a plain `weight` when HuBERT's
/// `conv_pos_batch_norm` replaces weight norm.
final class WeightNormConv1d: Module {
    let weightG: Tensor?  // (1, 1, K)
    let weightV: Tensor?  // (D, D/groups, K)
    let weight: Tensor?   // (D, D/groups, K)
    let bias: Tensor      // (D)
    let groups: Int, padding: Int

    init(channels: Int, kernelSize: Int, groups: Int, weightNormed: Bool, rng: inout RandomGenerator) {
        let plain = Conv1d(channels, channels, kernelSize: kernelSize, groups: groups, rng: &rng)
        if weightNormed {
            weightV = plain.weight.detached()
            weightG = Tensor(shape: [1, 1, kernelSize], repeating: 1)
            weight = nil
        } else {
            (weightV, weightG, weight) = (nil, nil, plain.weight.detached())
        }
        bias = plain.bias!.detached()
        self.groups = groups
        padding = kernelSize / 2
        super.init()
    }

    /// (N, D, T) → (N, D, T + 1 − K % 2)
    func callAsFunction(_ x: Tensor) -> Tensor {
        let w = weight ?? weightNorm(weightV!, weightG!, dim: 2)
        return conv1d(x, w, bias: bias, padding: padding, groups: groups)
    }
}

/// Relative position information from a wide grouped convolution over time, added to the
/// frames before the transformer. Keys `conv.*` (and `batch_norm.*` in that HuBERT variant).
final class PositionalConvEmbedding: Module {
    let conv: WeightNormConv1d
    let batchNorm: BatchNorm1d?
    let kernelSize: Int
    let activation: Activation

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        let normed = c.modelType == "hubert" && c.convPosBatchNorm
        batchNorm = normed ? BatchNorm1d(c.hiddenSize) : nil
        conv = WeightNormConv1d(channels: c.hiddenSize, kernelSize: c.numConvPosEmbeddings,
                                groups: c.numConvPosEmbeddingGroups, weightNormed: !normed, rng: &rng)
        kernelSize = c.numConvPosEmbeddings
        activation = Activation(rawValue: c.featExtractActivation)!
        super.init()
        batchNorm?.eval()
    }

    /// (N, T, D) → (N, T, D)
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x.transposed(1, 2)
        if let batchNorm { h = batchNorm(h) }
        h = conv(h)
        let frames = x.size(1)
        if h.size(2) > frames { h = h.slice(dim: 2, 0..<frames) }  // even kernel: "same" padding drops one
        return activation(h).transposed(1, 2)
    }
}
