import NeuralNetworks

/// DiffAE's semantic encoder (`BeatGANsEncoderModel`, no time input, pool "adaptivenonzero"):
/// image (N, 3, S, S) → z_sem (N, zSem).
///
///     input_blocks   conv3×3, then per level `encoderResBlocks` ResBlocks (+ attention at
///                    the attention resolutions) and, between levels, a down-sampling ResBlock
///     middle_block   ResBlock, AttentionBlock, ResBlock
///     out            GN (0) → SiLU → global average pool → conv1×1 to zSem (3) → flatten
public final class SemanticEncoder: Module {
    public let inputBlocks: [BlockSequence]
    public let middleBlock: BlockSequence
    public let out: Sequential

    public init(_ config: DiffAEConfig, rng: inout RandomGenerator) {
        let base = config.channels
        var ch = config.encoderChannelMult[0] * base
        var blocks = [BlockSequence([Conv2d(config.imageChannels, ch, kernelSize: 3, padding: 1, rng: &rng)])]
        var resolution = config.imageSize
        for (level, mult) in config.encoderChannelMult.enumerated() {
            for _ in 0..<config.encoderResBlocks {
                var layers: [Module] = [
                    ResBlock(channels: ch, outChannels: mult * base, condition: nil, dropout: 0, rng: &rng)
                ]
                ch = mult * base
                if config.attentionResolutions.contains(resolution) {
                    layers.append(AttentionBlock(channels: ch, heads: config.attentionHeads, rng: &rng))
                }
                blocks.append(BlockSequence(layers))
            }
            if level != config.encoderChannelMult.count - 1 {
                resolution /= 2
                blocks.append(BlockSequence([
                    ResBlock(channels: ch, outChannels: ch, condition: nil, dropout: 0, resample: .down, rng: &rng)
                ]))
            }
        }
        inputBlocks = blocks
        middleBlock = BlockSequence([
            ResBlock(channels: ch, outChannels: ch, condition: nil, dropout: 0, rng: &rng),
            AttentionBlock(channels: ch, heads: config.attentionHeads, rng: &rng),
            ResBlock(channels: ch, outChannels: ch, condition: nil, dropout: 0, rng: &rng),
        ])
        out = Sequential([
            DiffAENormalization(ch), SiLU(), GlobalAveragePool(),
            Conv2d(ch, config.zSemChannels, kernelSize: 1, rng: &rng), Flatten(),
        ])
        super.init()
    }

    /// images (N, 3, S, S) in [−1, 1] → z_sem (N, zSem)
    public func callAsFunction(_ images: Tensor) -> Tensor {
        var h = images
        for block in inputBlocks { h = block(h, conditioning: nil) }
        h = middleBlock(h, conditioning: nil)
        return out(h)
    }
}

/// (N, C, H, W) → (N, C, 1, 1): the mean of each channel plane (`AdaptiveAvgPool2d((1, 1))`).
final class GlobalAveragePool: Module, UnaryLayer {
    override init() {}
    func callAsFunction(_ x: Tensor) -> Tensor { x.mean(dims: [2, 3], keepDims: true) }
}

/// (N, …) → (N, rest) (`nn.Flatten`).
final class Flatten: Module, UnaryLayer {
    override init() {}
    func callAsFunction(_ x: Tensor) -> Tensor { x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)]) }
}
