import Foundation
import NeuralNetworks

/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of
/// Diffusion Probabilistic Models", Algorithm 2), on the discrete ᾱ schedule.
///
/// With α = √ᾱ, σ = √(1 − ᾱ) and λ = log(α/σ), the model's data prediction at (x, t) is
/// x̂0 = (x − σ·ε̂)/α (clipped to [−1, 1] when `clip`, as DDIM does). A move from s to a
/// less noisy t, h = λ_t − λ_s, is
///
///     x_t = (σ_t/σ_s)·x_s + α_t·(1 − e^(−h))·D
///
/// with D = x̂0_s at first order — exactly DDIM's move — and at second order
///
///     D = (1 + 1/(2r))·x̂0_s − 1/(2r)·x̂0_prev,  r = h_prev/h,
///
/// the previous timestep's x̂0 standing in for the derivative of x̂0 in λ: no extra UNet pass.
/// The first move has no previous x̂0 and the last, to ᾱ = 1 (λ = ∞), takes x̂0 as it is, so
/// both are first order (Algorithm 2 as written: 1 or 2 steps are DDIM). `lowerOrderFinal`
/// makes the move into the last timestep, t = 0 (λ ≈ 4.6), first order too: on this schedule
/// its λ-step is three to four times the one before, so the extrapolation (1/(2r) ≈ 2.3)
/// amplifies the difference of two x̂0 estimates. With an exact ε̂ that step is where the
/// second order gains most; with the trained default speaker it cost up to 0.2 in mouth r
/// (docs/results.md §2.10), so the decoder keeps it first order (up to 3 steps are DDIM).
extension GaussianDiffusion {
    /// x_T (N, …) → x̂0 (N, …) over `timesteps` in descending order (see `sample`).
    public func dpmSolverPlusPlusSample(_ xT: Tensor, timesteps: [Int], clip: Bool = true, lowerOrderFinal: Bool = true,
                                        predictNoise: (Tensor, Int) -> Tensor) -> Tensor {
        var x = xT
        var previous: (x0: Tensor, lambda: Double)?  // x̂0 (N, …) and λ of the step before
        for (k, t) in timesteps.enumerated() {
            let alphaBar = alphasCumprod[t]
            let target = k + 1 < timesteps.count ? alphasCumprod[timesteps[k + 1]] : 1
            let x0 = dataPrediction(x, eps: predictNoise(x, t), alphaBar: alphaBar, clip: clip)
            let lambda = Self.halfLogSNR(alphaBar)
            var data = x0
            if let previous, k + (lowerOrderFinal ? 2 : 1) < timesteps.count {
                let r = (lambda - previous.lambda) / (Self.halfLogSNR(target) - lambda)
                data = Self.extrapolate(x0, from: previous.x0, by: 1 / (2 * r))
            }
            x = dpmSolverPlusPlusMove(x, data: data, alphaBar: alphaBar, targetAlphaBar: target)
            previous = (x0, lambda)
        }
        return x
    }

    /// x̂0 = (x − √(1 − ᾱ)·ε)/α, computed as DDIM does (√(1/ᾱ)·x − √(1/ᾱ − 1)·ε), clipped to
    /// [−1, 1] when `clip`. x, eps (N, …) → (N, …).
    public func dataPrediction(_ x: Tensor, eps: Tensor, alphaBar: Double, clip: Bool = true) -> Tensor {
        precondition(x.shape == eps.shape, "dataPrediction: x \(x.shape), eps \(eps.shape)")
        let recip = Float((1 / alphaBar).squareRoot()), recipMinusOne = Float((1 / alphaBar - 1).squareRoot())
        let x0 = Tensor(uninitializedShape: x.shape)
        let xp = x.pointer, ep = eps.pointer, x0p = x0.pointer
        Parallel.forRanges(x.count) { range in
            for i in range {
                let predicted = recip * xp[i] - recipMinusOne * ep[i]
                x0p[i] = clip ? Swift.min(Swift.max(predicted, -1), 1) : predicted
            }
        }
        return x0
    }

    /// One DPM-Solver++ move of x (N, …) from ᾱ to `targetAlphaBar` given the data estimate D
    /// (N, …): x' = (σ'/σ)·x + (α' − σ'·α/σ)·D, the closed form of (σ'/σ)·x + α'(1 − e^(−h))·D
    /// that stays finite at ᾱ' = 1 (x' = D).
    public func dpmSolverPlusPlusMove(_ x: Tensor, data: Tensor, alphaBar: Double, targetAlphaBar: Double) -> Tensor {
        precondition(x.shape == data.shape, "dpmSolverPlusPlusMove: x \(x.shape), data \(data.shape)")
        let sigma = (1 - alphaBar).squareRoot(), targetSigma = (1 - targetAlphaBar).squareRoot()
        let keep = Float(targetSigma / sigma)
        let toward = Float(targetAlphaBar.squareRoot() - targetSigma * alphaBar.squareRoot() / sigma)
        let next = Tensor(uninitializedShape: x.shape)
        let xp = x.pointer, dp = data.pointer, np = next.pointer
        Parallel.forRanges(x.count) { range in
            for i in range { np[i] = keep * xp[i] + toward * dp[i] }
        }
        return next
    }

    /// λ = log(α/σ) = ½·log(ᾱ/(1 − ᾱ)); +∞ at ᾱ = 1.
    static func halfLogSNR(_ alphaBar: Double) -> Double { 0.5 * log(alphaBar / (1 - alphaBar)) }

    /// (1 + c)·x̂0 − c·x̂0_prev, elementwise: (N, …).
    private static func extrapolate(_ x0: Tensor, from previous: Tensor, by c: Double) -> Tensor {
        let out = Tensor(uninitializedShape: x0.shape)
        let a = Float(1 + c), b = Float(c)
        let xp = x0.pointer, pp = previous.pointer, op = out.pointer
        Parallel.forRanges(x0.count) { range in
            for i in range { op[i] = a * xp[i] - b * pp[i] }
        }
        return out
    }
}
