import NeuralNetworks

/// A diffusion autoencoder (Preechakul et al., CVPR 2022): DiffAE's `BeatGANsAutoencModel`,
/// a UNet that predicts the noise ε in x_t given t and z_sem, with the semantic encoder that
/// makes z_sem as its child. State-dict keys are DiffAE's (`input_blocks.1.0.in_layers.2.weight`,
/// `encoder.out.3.bias`, …), so an official checkpoint converted to safetensors loads as is.
///
///     time_embed     sinusoid(t, channels) → Linear → SiLU → Linear (embedChannels)
///     input_blocks   conv3×3, then per level ResBlocks (+ attention) and a down ResBlock
///     middle_block   ResBlock, AttentionBlock, ResBlock
///     output_blocks  per level (deepest first) resBlocks + 1 ResBlocks, each taking the
///                    matching input block's output concatenated (+ attention, up ResBlock)
///     out            GN → SiLU → zero-initialised conv3×3 to 3 channels
///     encoder        `SemanticEncoder`
///
/// (Named `DiffAE` rather than after its module, `DiffusionAutoencoder`, so both stay nameable.)
public final class DiffAE: Module {
    public let timeEmbed: TimeEmbedding
    public let inputBlocks: [BlockSequence]
    public let middleBlock: BlockSequence
    public let outputBlocks: [BlockSequence]
    public let out: Sequential
    public let encoder: SemanticEncoder

    public let config: DiffAEConfig
    /// The noise schedule (T = 1000, linear betas) used by `loss` and the samplers.
    public let diffusion: GaussianDiffusion
    /// Input blocks per UNet level, whose outputs the output blocks take back (deepest first).
    private let _inputBlocksPerLevel: [Int]

    public convenience init(preset: DiffAEPreset, seed: UInt64 = 0) {
        self.init(config: preset.config, seed: seed)
    }

    public convenience init(config: DiffAEConfig, seed: UInt64 = 0) {
        var rng = RandomGenerator(seed: seed)
        self.init(config: config, rng: &rng)
    }

    /// A freshly initialised model: PyTorch's default Linear/Conv initialisation from `rng`,
    /// DiffAE's zero-initialised output convolutions, GroupNorm weight 1 and bias 0.
    public init(config: DiffAEConfig, rng: inout RandomGenerator) {
        self.config = config
        diffusion = GaussianDiffusion()
        let base = config.channels
        let condition = (time: config.embedChannels, zSem: config.zSemChannels)
        func resBlock(_ from: Int, _ to: Int, _ resample: ResBlock.Resample = .none, lateral: Bool = false,
                      rng: inout RandomGenerator) -> ResBlock {
            ResBlock(channels: from, outChannels: to, condition: condition, dropout: config.dropout,
                     resample: resample, hasLateral: lateral, rng: &rng)
        }
        func attention(_ ch: Int, rng: inout RandomGenerator) -> AttentionBlock {
            AttentionBlock(channels: ch, heads: config.attentionHeads, rng: &rng)
        }

        timeEmbed = TimeEmbedding(sinusoidChannels: base, outChannels: config.embedChannels, rng: &rng)

        let levels = config.channelMult.count
        let firstChannels = config.channelMult[0] * base
        var ch = firstChannels
        var inputs = [BlockSequence([Conv2d(config.imageChannels, ch, kernelSize: 3, padding: 1, rng: &rng)])]
        var skipChannels: [[Int]] = Array(repeating: [], count: levels)  // per level, in block order
        skipChannels[0].append(ch)
        var resolution = config.imageSize
        for (level, mult) in config.channelMult.enumerated() {
            for _ in 0..<config.resBlocks {
                var layers: [Module] = [resBlock(ch, mult * base, rng: &rng)]
                ch = mult * base
                if config.attentionResolutions.contains(resolution) { layers.append(attention(ch, rng: &rng)) }
                inputs.append(BlockSequence(layers))
                skipChannels[level].append(ch)
            }
            if level != levels - 1 {
                resolution /= 2
                inputs.append(BlockSequence([resBlock(ch, ch, .down, rng: &rng)]))
                skipChannels[level + 1].append(ch)
            }
        }
        inputBlocks = inputs
        _inputBlocksPerLevel = skipChannels.map(\.count)

        middleBlock = BlockSequence([resBlock(ch, ch, rng: &rng), attention(ch, rng: &rng), resBlock(ch, ch, rng: &rng)])

        var outputs: [BlockSequence] = []
        for (level, mult) in config.channelMult.enumerated().reversed() {
            for i in 0...config.resBlocks {
                let skip = skipChannels[level].popLast() ?? 0
                var layers: [Module] = [resBlock(ch + skip, mult * base, lateral: skip > 0, rng: &rng)]
                ch = mult * base
                if config.attentionResolutions.contains(resolution) { layers.append(attention(ch, rng: &rng)) }
                if level > 0 && i == config.resBlocks {
                    resolution *= 2
                    layers.append(resBlock(ch, ch, .up, rng: &rng))
                }
                outputs.append(BlockSequence(layers))
            }
        }
        outputBlocks = outputs
        out = Sequential([
            DiffAENormalization(ch), SiLU(),
            Conv2d(firstChannels, config.imageChannels, kernelSize: 3, padding: 1, rng: &rng).zeroed(),
        ])
        encoder = SemanticEncoder(config, rng: &rng)
        super.init()
    }

    /// The noise prediction ε(x_t, t, z_sem): x (N, 3, S, S), one timestep per image
    /// (0 ..< 1000), zSem (N, zSem) → (N, 3, S, S). A v-model's output is converted,
    /// ε̂ = √ᾱ_t·v̂ + √(1 − ᾱ_t)·x_t.
    public func predictNoise(_ x: Tensor, timesteps: [Int], zSem: Tensor) -> Tensor {
        let output = predict(x, timesteps: timesteps, zSem: zSem)
        switch config.prediction {
        case .epsilon: return output
        case .v:
            let (signal, noise) = diffusion.scales(timesteps, rank: x.rank)
            return signal * output + noise * x
        }
    }

    /// The UNet's own output at (x_t, t, z_sem): ε̂ or v̂ as `config.prediction` says.
    public func predict(_ x: Tensor, timesteps: [Int], zSem: Tensor) -> Tensor {
        precondition(timesteps.count == x.shape[0] && zSem.shape == [x.shape[0], config.zSemChannels],
                     "predict: x \(x.shape), \(timesteps.count) timesteps, zSem \(zSem.shape)")
        let time = timeEmbed(timestepEmbedding(timesteps, dimensions: config.channels))  // (N, embed)
        let conditioning = Conditioning(timeEmbedding: time, zSem: zSem)

        var skips: [[Tensor]] = Array(repeating: [], count: config.channelMult.count)
        var h = x
        var k = 0
        for (level, count) in _inputBlocksPerLevel.enumerated() {
            for _ in 0..<count {
                h = inputBlocks[k](h, conditioning: conditioning)
                skips[level].append(h)
                k += 1
            }
        }
        h = middleBlock(h, conditioning: conditioning)
        k = 0
        for level in (0..<config.channelMult.count).reversed() {
            for _ in 0...config.resBlocks {
                h = outputBlocks[k](h, conditioning: conditioning, lateral: skips[level].popLast())
                k += 1
            }
        }
        return out(h)
    }

    /// Parameter counts of the UNet (everything but the encoder) and of the encoder.
    public var parameterCounts: (unet: Int, encoder: Int) {
        let encoderCount = encoder.parameterCount
        return (parameterCount - encoderCount, encoderCount)
    }
}
