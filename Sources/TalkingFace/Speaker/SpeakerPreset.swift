import DiffusionAutoencoder
import SpeechToLatent

/// Model shapes for a new speaker: a diffusion autoencoder preset and a matching
/// speech-to-latent configuration (z_sem widths agree).
public enum SpeakerPreset: String, CaseIterable, Sendable {
    /// For tests and plumbing: DiffAE `tiny` (32×32, z_sem 32) and a one-block, 16-wide
    /// speech-to-latent model. Seconds to build; meaningless pictures.
    case tiny
    /// The shipped-speaker shape: DiffAE `cpu64` (64×64, z_sem 512) and `SpeechToLatentConfig.cpu`.
    case cpu64
    /// The 128-pixel shape: DiffAE `cpu128` (128×128, z_sem 512) and the same speech model.
    case cpu128

    public var dae: DiffAEPreset {
        switch self {
        case .tiny: return .tiny
        case .cpu64: return .cpu64
        case .cpu128: return .cpu128
        }
    }

    public var s2l: SpeechToLatentConfig {
        let zSem = dae.config.zSemChannels
        switch self {
        case .tiny:
            return SpeechToLatentConfig(dimension: 16, heads: 2, feedForward: 32, kernelSize: 3, encoderBlocks: 1,
                                        decoderBlocks: 1, dropout: 0, latentDimension: zSem, posePredictorChannels: 8)
        case .cpu64, .cpu128:
            return .cpu(latentDimension: zSem)
        }
    }
}
