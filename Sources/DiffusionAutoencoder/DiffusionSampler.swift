import NeuralNetworks

/// How the decoder integrates the probability-flow ODE from x_T to x̂0. Both visit the same
/// sampling timesteps (`GaussianDiffusion.samplingTimesteps`) with one UNet pass each, so
/// at equal steps they cost the same.
public enum DiffusionSampler: String, CaseIterable, Sendable {
    /// DDIM, η = 0 (first order): DiffAE's sampler and the default.
    case ddim
    /// DPM-Solver++(2M) (second order, multistep): `dpmSolverPlusPlusSample`.
    case dpmSolverPlusPlus = "dpm++"
}

extension GaussianDiffusion {
    /// x_T (N, …) → x̂0 (N, …) with `sampler`, over `timesteps` in descending order (the
    /// first is x_T's), the last move landing on ᾱ = 1. `predictNoise(x, t)` gives ε̂ (N, …)
    /// at every visited timestep, once each. No gradients.
    public func sample(_ xT: Tensor, timesteps: [Int], sampler: DiffusionSampler, clip: Bool = true,
                       predictNoise: (Tensor, Int) -> Tensor) -> Tensor {
        switch sampler {
        case .ddim: return ddimSample(xT, timesteps: timesteps, clip: clip, predictNoise: predictNoise)
        case .dpmSolverPlusPlus: return dpmSolverPlusPlusSample(xT, timesteps: timesteps, clip: clip, predictNoise: predictNoise)
        }
    }
}
