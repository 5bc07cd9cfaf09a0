import Foundation
import NeuralNetworks

/// The forward noising process of DDPM/DiffAE: T = 1000 steps, betas linear from 1e-4 to
/// 0.02, ᾱ_t = Π_{s≤t}(1 − β_s), x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε. The schedule is kept in
/// Double as DiffAE does (NumPy float64) and rounded to Float per use.
public struct GaussianDiffusion: Sendable {
    public let betas: [Double]          // (T)
    public let alphasCumprod: [Double]  // (T): ᾱ_t

    public init(steps: Int = 1000, betaStart: Double = 1e-4, betaEnd: Double = 0.02) {
        precondition(steps >= 2, "a diffusion needs at least 2 steps")
        // np.linspace: start + i·step, with the last value exactly the end.
        let step = (betaEnd - betaStart) / Double(steps - 1)
        var betas = (0..<steps).map { betaStart + Double($0) * step }
        betas[steps - 1] = betaEnd
        self.betas = betas
        var product = 1.0
        alphasCumprod = betas.map { beta in
            product *= 1 - beta
            return product
        }
    }

    public var steps: Int { betas.count }

    /// x_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·noise, one timestep per image: x0, noise (N, …) → (N, …).
    public func qSample(_ x0: Tensor, timesteps: [Int], noise: Tensor) -> Tensor {
        precondition(x0.shape == noise.shape && timesteps.count == x0.shape[0],
                     "qSample: x0 \(x0.shape), noise \(noise.shape), \(timesteps.count) timesteps")
        let (signal, noiseScale) = scales(timesteps, rank: x0.rank)
        return signal * x0 + noiseScale * noise
    }

    /// The velocity target v = √ᾱ_t·noise − √(1 − ᾱ_t)·x0 (Salimans & Ho 2022), (N, …).
    public func velocity(_ x0: Tensor, timesteps: [Int], noise: Tensor) -> Tensor {
        let (signal, noiseScale) = scales(timesteps, rank: x0.rank)
        return signal * noise - noiseScale * x0
    }

    /// (√ᾱ_t, √(1 − ᾱ_t)) per image, shaped (N, 1, …) to broadcast over a rank-`rank` batch.
    public func scales(_ timesteps: [Int], rank: Int) -> (signal: Tensor, noise: Tensor) {
        let perImage = [timesteps.count] + Array(repeating: 1, count: rank - 1)
        return (Tensor(shape: perImage, values: timesteps.map { Float(alphasCumprod[$0].squareRoot()) }),
                Tensor(shape: perImage, values: timesteps.map { Float((1 - alphasCumprod[$0]).squareRoot()) }))
    }

    /// Signal-to-noise ratio of x_t: ᾱ_t / (1 − ᾱ_t).
    public func signalToNoise(_ t: Int) -> Double { alphasCumprod[t] / (1 - alphasCumprod[t]) }

    /// P2 weight of the ε loss at t (Choi et al. 2022, "Perception Prioritized Training of
    /// Diffusion Models"): 1 / (k + SNR_t)^γ. It takes weight from the nearly clean steps,
    /// which only polish detail, and gives it to the noisy ones, where the coarse content
    /// (for us: the pose and the mouth that z_sem must supply) is decided. γ = 0: equal.
    public func p2Weight(_ t: Int, gamma: Double, k: Double = 1) -> Double {
        1 / pow(k + signalToNoise(t), gamma)
    }

    /// The timesteps a `count`-step sampler visits, ascending, as DiffAE spaces them
    /// (`space_timesteps(T, "ddimN")`): the integer stride s whose range(0, T, s) has exactly
    /// `count` elements (20 steps: 0, 50, …, 950); when no stride fits, `count` evenly
    /// rounded points from 0 to T − 1 (its section rule).
    public func samplingTimesteps(_ count: Int) -> [Int] {
        precondition(count >= 1 && count <= steps, "\(count) sampling steps for a \(steps)-step diffusion")
        for stride in 1..<steps where (steps + stride - 1) / stride == count {
            return Array(Swift.stride(from: 0, to: steps, by: stride))
        }
        if count == 1 { return [0] }
        let fractionalStride = Double(steps - 1) / Double(count - 1)
        return (0..<count).map { Int((Double($0) * fractionalStride).rounded(.toNearestOrEven)) }
    }

    /// One deterministic DDIM move (η = 0) of x from noise level ᾱ to `targetAlphaBar`,
    /// given the model's noise prediction at x (DDIM eq. 12, as DiffAE's `ddim_sample` and
    /// `ddim_reverse_sample`):
    ///
    ///     x̂0 = √(1/ᾱ)·x − √(1/ᾱ − 1)·ε,  clipped to [−1, 1] when `clip`
    ///     ε' = (√(1/ᾱ)·x − x̂0) / √(1/ᾱ − 1)          (ε re-derived from the clipped x̂0)
    ///     x' = √ᾱ'·x̂0 + √(1 − ᾱ')·ε'
    ///
    /// Moving to a lower noise level samples; to a higher one inverts (stochastic encoding).
    /// x, eps (N, …) → (x', x̂0). No gradients.
    public func ddimMove(_ x: Tensor, eps: Tensor, alphaBar: Double, targetAlphaBar: Double, clip: Bool = true)
        -> (x: Tensor, predictedX0: Tensor)
    {
        precondition(x.shape == eps.shape, "ddimMove: x \(x.shape), eps \(eps.shape)")
        let recip = Float((1 / alphaBar).squareRoot()), recipMinusOne = Float((1 / alphaBar - 1).squareRoot())
        let targetSignal = Float(targetAlphaBar).squareRoot(), targetNoise = (1 - Float(targetAlphaBar)).squareRoot()
        let next = Tensor(uninitializedShape: x.shape), x0 = Tensor(uninitializedShape: x.shape)
        let xp = x.pointer, ep = eps.pointer, np = next.pointer, x0p = x0.pointer
        Parallel.forRanges(x.count) { range in
            for i in range {
                let scaled = recip * xp[i]
                var predicted = scaled - recipMinusOne * ep[i]
                if clip { predicted = Swift.min(Swift.max(predicted, -1), 1) }
                let rederived = (scaled - predicted) / recipMinusOne
                x0p[i] = predicted
                np[i] = targetSignal * predicted + targetNoise * rederived
            }
        }
        return (next, x0)
    }

    /// DDIM sampling (η = 0): x_T (N, …) → x̂0 (N, …) over `timesteps` in descending order,
    /// one `ddimMove` to the next timestep's ᾱ each, the last to ᾱ = 1 (see `sample`).
    public func ddimSample(_ xT: Tensor, timesteps: [Int], clip: Bool = true,
                           predictNoise: (Tensor, Int) -> Tensor) -> Tensor {
        var x = xT
        for (k, t) in timesteps.enumerated() {
            let target = k + 1 < timesteps.count ? alphasCumprod[timesteps[k + 1]] : 1
            x = ddimMove(x, eps: predictNoise(x, t), alphaBar: alphasCumprod[t], targetAlphaBar: target, clip: clip).x
        }
        return x
    }
}
