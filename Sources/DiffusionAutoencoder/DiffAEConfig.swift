/// The shape of a diffusion autoencoder: the z_sem-conditioned UNet and its semantic
/// encoder, after DiffAE's `BeatGANsAutoencConfig` (phizaz/diffae `templates.py`).
///
/// Fixed as in every DiffAE preset: 3 image channels, ResBlocks that resample
/// (`resblock_updown`), time and z_sem conditioning both (`resnet_two_cond`), zero-initialised
/// output convolutions, GroupNorm with min(32, C) groups, one attention head.
public struct DiffAEConfig: Codable, Equatable, Sendable {
    /// Square image side in pixels.
    public var imageSize: Int
    /// Base channels ("model_channels"); each level has `channelMult[level] ×` these.
    public var channels: Int
    /// UNet levels; the image halves between consecutive levels.
    public var channelMult: [Int]
    /// ResBlocks per UNet level on the way down (the way up has one more).
    public var resBlocks: Int
    /// Side lengths (pixels) at which blocks add self-attention, in UNet and encoder.
    public var attentionResolutions: [Int]
    /// Width of the time embedding ("embed_channels").
    public var embedChannels: Int
    /// Encoder levels (one more than the UNet's in DiffAE, ending at 4×4).
    public var encoderChannelMult: [Int]
    public var encoderResBlocks: Int
    /// Width of z_sem ("enc_out_channels", DiffAE's style_ch).
    public var zSemChannels: Int
    public var attentionHeads: Int
    /// ResBlock dropout in the UNet (DiffAE: 0.1); the encoder uses the same.
    public var dropout: Float
    /// What the UNet's output means (DiffAE: ε). Checkpoints without it are ε models.
    public var prediction: DiffusionPrediction

    public init(
        imageSize: Int, channels: Int, channelMult: [Int], resBlocks: Int = 2,
        attentionResolutions: [Int] = [16], embedChannels: Int = 512,
        encoderChannelMult: [Int], encoderResBlocks: Int = 2, zSemChannels: Int = 512,
        attentionHeads: Int = 1, dropout: Float = 0.1, prediction: DiffusionPrediction = .epsilon
    ) {
        self.imageSize = imageSize
        self.channels = channels
        self.channelMult = channelMult
        self.resBlocks = resBlocks
        self.attentionResolutions = attentionResolutions
        self.embedChannels = embedChannels
        self.encoderChannelMult = encoderChannelMult
        self.encoderResBlocks = encoderResBlocks
        self.zSemChannels = zSemChannels
        self.attentionHeads = attentionHeads
        self.dropout = dropout
        self.prediction = prediction
    }

    /// This configuration with another output meaning.
    public func predicting(_ prediction: DiffusionPrediction) -> DiffAEConfig {
        var copy = self
        copy.prediction = prediction
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case imageSize, channels, channelMult, resBlocks, attentionResolutions, embedChannels, encoderChannelMult,
             encoderResBlocks, zSemChannels, attentionHeads, dropout, prediction
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(imageSize: try c.decode(Int.self, forKey: .imageSize), channels: try c.decode(Int.self, forKey: .channels),
                  channelMult: try c.decode([Int].self, forKey: .channelMult), resBlocks: try c.decode(Int.self, forKey: .resBlocks),
                  attentionResolutions: try c.decode([Int].self, forKey: .attentionResolutions),
                  embedChannels: try c.decode(Int.self, forKey: .embedChannels),
                  encoderChannelMult: try c.decode([Int].self, forKey: .encoderChannelMult),
                  encoderResBlocks: try c.decode(Int.self, forKey: .encoderResBlocks),
                  zSemChannels: try c.decode(Int.self, forKey: .zSemChannels),
                  attentionHeads: try c.decode(Int.self, forKey: .attentionHeads), dropout: try c.decode(Float.self, forKey: .dropout),
                  prediction: try c.decodeIfPresent(DiffusionPrediction.self, forKey: .prediction) ?? .epsilon)
    }

    /// Image channels in and out (RGB).
    public var imageChannels: Int { 3 }
}

/// What the UNet predicts. The samplers, the inversion and everything built on them see ε
/// either way (`DiffAE.predictNoise` converts); only the training target differs.
public enum DiffusionPrediction: String, Codable, CaseIterable, Sendable {
    /// The noise ε (DDPM, DiffAE): target ε, loss ‖ε − ε̂‖².
    case epsilon
    /// The velocity v = √ᾱ·ε − √(1 − ᾱ)·x0 (Salimans & Ho 2022): target v, loss ‖v − v̂‖²,
    /// and ε̂ = √ᾱ·v̂ + √(1 − ᾱ)·x_t. At high noise v ≈ −x0, so the network draws the face
    /// itself instead of a 1 %-sized correction to x_t/√(1 − ᾱ); only z_sem can tell it which.
    case v
}

/// Named configurations: DiffAE's published shapes (to load its checkpoints) and small ones for CPUs.
public enum DiffAEPreset: String, CaseIterable, Codable, Sendable {
    /// For tests (≈0.43M parameters): 32×32, 32 channels on two UNet levels, an encoder
    /// widening to 64, attention at 16×16 with two heads (to exercise DiffAE's head split),
    /// 32-wide time embedding and z_sem.
    case tiny
    /// Our default for 64×64 training on a 2-core CPU in hours (see `config`).
    case cpu64
    /// Our 128×128 shape for a 2-core CPU: `cpu64` with one more level (see `config`).
    case cpu128
    /// DiffAE `ffhq64_autoenc`: ≈71.5M UNet + 19.3M encoder parameters.
    case ffhq64
    /// DiffAE `ffhq128_autoenc_*`: ≈104M + 25M.
    case ffhq128
    /// DiffAE `ffhq256_autoenc`: ≈138M + 30M.
    case ffhq256

    /// The preset whose shape `config` has, whatever its UNet predicts (nil: none).
    public init?(shapeOf config: DiffAEConfig) {
        guard let preset = Self.allCases.first(where: { $0.config.predicting(config.prediction) == config }) else { return nil }
        self = preset
    }

    public var config: DiffAEConfig {
        switch self {
        case .tiny:
            return DiffAEConfig(imageSize: 32, channels: 32, channelMult: [1, 1], resBlocks: 1,
                                embedChannels: 32, encoderChannelMult: [1, 2], encoderResBlocks: 1,
                                zSemChannels: 32, attentionHeads: 2)
        case .cpu64:
            // 64 → 32 → 16 → 8 with 32/64/128/128 channels and one ResBlock per level down
            // (two up); the encoder ends at 4×4 like DiffAE's. Attention only at 16×16.
            // 7.8M UNet + 1.25M encoder parameters, 3.9 GFLOP per image per UNet pass
            // (ffhq64: ≈ 4× that). On this 2-core machine (shared, loaded) one batch-8 UNet
            // forward took 0.58 s and one batch-8 training step 2.0 s: ≈ 3,600 steps in 2 hours.
            return DiffAEConfig(imageSize: 64, channels: 32, channelMult: [1, 2, 4, 4], resBlocks: 1,
                                encoderChannelMult: [1, 2, 4, 4, 4], encoderResBlocks: 1)
        case .cpu128:
            // 128 → 64 → 32 → 16 → 8 with 32/32/64/128/128 channels: cpu64's levels below
            // 64×64 and one more 32-wide level on top, one ResBlock per level down (two up);
            // the encoder again ends at 4×4. Attention only at 16×16.
            // 8.17M UNet + 1.26M encoder parameters (cpu64 + 5 %), 7.2 GFLOP per image per
            // UNet pass (cpu64: 3.9; ffhq128: ≈ 148). The 128×128 level is 32 wide, so
            // pixels quadruple but compute doubles: a batch-8 training step (encoder + UNet,
            // forward + backward) is ≈ 190 GFLOP, a 20-step decode of 16 frames ≈ 2.3 TFLOP.
            // On an idle 2-core AMD EPYC the training step took 1.26 s and the decode 11.6 s
            // (1.4 frames/s), against 6.4 s for cpu64's (`make bench`).
            return DiffAEConfig(imageSize: 128, channels: 32, channelMult: [1, 1, 2, 4, 4], resBlocks: 1,
                                encoderChannelMult: [1, 1, 2, 4, 4, 4], encoderResBlocks: 1)
        case .ffhq64:
            return DiffAEConfig(imageSize: 64, channels: 64, channelMult: [1, 2, 4, 8],
                                encoderChannelMult: [1, 2, 4, 8, 8])
        case .ffhq128:
            return DiffAEConfig(imageSize: 128, channels: 128, channelMult: [1, 1, 2, 3, 4],
                                encoderChannelMult: [1, 1, 2, 3, 4, 4])
        case .ffhq256:
            return DiffAEConfig(imageSize: 256, channels: 128, channelMult: [1, 1, 2, 2, 4, 4],
                                encoderChannelMult: [1, 1, 2, 2, 4, 4, 4])
        }
    }
}
