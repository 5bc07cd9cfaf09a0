import Foundation
import NeuralNetworks

/// Sinusoidal timestep features (DiffAE/guided-diffusion `timestep_embedding`):
/// [cos(t·f_0) … cos(t·f_{d/2−1}), sin(t·f_0) … sin(t·f_{d/2−1})] with f_i = 10000^(−i/(d/2)),
/// zero-padded to an odd `dimensions`. (N) → (N, dimensions).
///
/// Computed in Float32 step by step as PyTorch does, because t·f reaches ~1000 rad and the
/// rounding of the argument is then visible in the output (matching goldens needs it).
public func timestepEmbedding(_ timesteps: [Int], dimensions: Int) -> Tensor {
    let half = dimensions / 2
    let logPeriod = Float(-Foundation.log(10000.0))
    let frequencies = (0..<half).map { Foundation.exp(logPeriod * Float($0) / Float(half)) }
    let y = Tensor(shape: [timesteps.count, dimensions], repeating: 0)
    let p = y.pointer
    for (row, t) in timesteps.enumerated() {
        for (i, f) in frequencies.enumerated() {
            let argument = Float(t) * f
            p[row * dimensions + i] = Foundation.cos(argument)
            p[row * dimensions + half + i] = Foundation.sin(argument)
        }
    }
    return y
}

/// DiffAE's `TimeStyleSeperateEmbed`: only its `time_embed` MLP holds weights
/// (Linear → SiLU → Linear, keys `time_embed.0`, `time_embed.2`); z_sem passes through unchanged.
public final class TimeEmbedding: Module {
    public let timeEmbed: Sequential

    public init(sinusoidChannels: Int, outChannels: Int, rng: inout RandomGenerator) {
        timeEmbed = Sequential([
            Linear(sinusoidChannels, outChannels, rng: &rng), SiLU(), Linear(outChannels, outChannels, rng: &rng),
        ])
        super.init()
    }

    /// sinusoids (N, C) → (N, out)
    public func callAsFunction(_ sinusoids: Tensor) -> Tensor { timeEmbed(sinusoids) }
}
