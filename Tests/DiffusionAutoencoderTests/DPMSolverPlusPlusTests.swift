import DiffusionAutoencoder
import TestSupport
import XCTest

/// DPM-Solver++(2M) against DDIM where the exact answer is known: data drawn per element
/// from N(μ, s²), whose exact ε̂(x_t, t) = √(1 − ᾱ)·(x_t − √ᾱ·μ)/(ᾱ·s² + 1 − ᾱ) and whose
/// probability-flow ODE keeps each element's standardised value, so x_T decodes exactly to
/// x0 = μ + s·(x_T − √ᾱ_T·μ)/√(ᾱ_T·s² + 1 − ᾱ_T).
final class DPMSolverPlusPlusTests: XCTestCase {
    private let diffusion = GaussianDiffusion()

    /// μ (2, 3, 4, 4) in [−0.5, 0.5] and x_T (2, 3, 4, 4) ~ N(0, 1).
    private func problem(seed: UInt64) -> (mean: Tensor, xT: Tensor) {
        var rng = RandomGenerator(seed: seed)
        return (Tensor.uniform([2, 3, 4, 4], in: -0.5...0.5, using: &rng), Tensor.randn([2, 3, 4, 4], using: &rng))
    }

    /// The exact ε̂ at (x, t) for data N(μ, s²).
    private func exactNoise(mean: Tensor, spread s: Double) -> (Tensor, Int) -> Tensor {
        { [diffusion] x, t in
            let ab = diffusion.alphasCumprod[t]
            let out = Tensor(uninitializedShape: x.shape)
            for i in 0..<x.count {
                let residual = Double(x.pointer[i]) - ab.squareRoot() * Double(mean.pointer[i])
                out.pointer[i] = Float((1 - ab).squareRoot() * residual / (ab * s * s + 1 - ab))
            }
            return out
        }
    }

    /// The ODE's exact end from x_T at timestep `start`.
    private func exactX0(mean: Tensor, xT: Tensor, spread s: Double, start: Int) -> Tensor {
        let ab = diffusion.alphasCumprod[start]
        let out = Tensor(uninitializedShape: xT.shape)
        for i in 0..<xT.count {
            let m = Double(mean.pointer[i])
            out.pointer[i] = Float(m + s * (Double(xT.pointer[i]) - ab.squareRoot() * m) / (ab * s * s + 1 - ab).squareRoot())
        }
        return out
    }

    private func solve(_ sampler: DiffusionSampler, steps: Int, mean: Tensor, xT: Tensor, spread: Double) -> Tensor {
        diffusion.sample(xT, timesteps: diffusion.samplingTimesteps(steps).reversed(), sampler: sampler, clip: false,
                         predictNoise: exactNoise(mean: mean, spread: spread))
    }

    /// Algorithm 2 as written: second order into t = 0 too.
    private func solveSecondOrderToTheEnd(steps: Int, mean: Tensor, xT: Tensor, spread: Double) -> Tensor {
        diffusion.dpmSolverPlusPlusSample(xT, timesteps: diffusion.samplingTimesteps(steps).reversed(), clip: false,
                                          lowerOrderFinal: false, predictNoise: exactNoise(mean: mean, spread: spread))
    }

    func testConvergesToTheExactX0BetterThanDDIMAtFewSteps() {
        let (mean, xT) = problem(seed: 1)
        let spread = 0.1
        var (ddim, decoder, dpm): ([Float], [Float], [Float]) = ([], [], [])
        for steps in [5, 10, 20] {
            let exact = exactX0(mean: mean, xT: xT, spread: spread, start: diffusion.samplingTimesteps(steps).last!)
            ddim.append(maxAbsDifference(solve(.ddim, steps: steps, mean: mean, xT: xT, spread: spread), exact))
            decoder.append(maxAbsDifference(solve(.dpmSolverPlusPlus, steps: steps, mean: mean, xT: xT, spread: spread), exact))
            dpm.append(maxAbsDifference(solveSecondOrderToTheEnd(steps: steps, mean: mean, xT: xT, spread: spread), exact))
        }
        // max |x̂0 − x0| at 5, 10, 20 steps: DDIM 0.169, 0.138, 0.097; Algorithm 2 as written 0.130,
        // 0.067, 0.0025; the decoder's (first order into t = 0) 0.169, 0.138, 0.094
        let what = "max |x̂0 − x0| at 5, 10, 20 steps: DDIM \(ddim), DPM-Solver++ \(dpm), lower order final \(decoder)"
        XCTAssertLessThan(dpm[0], ddim[0], what)
        XCTAssertLessThan(dpm[1], ddim[1] / 2, what)
        XCTAssertLessThan(dpm[2], ddim[2] / 10, what)
        XCTAssertLessThan(dpm[1], ddim[2], "DPM-Solver++ at 10 steps against DDIM at 20: " + what)
        for k in 0..<3 { XCTAssertLessThanOrEqual(decoder[k], ddim[k], what) }
    }

    func testAFirstOrderMoveIsDDIMsMove() {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.randn([2, 3, 8, 8], using: &rng), eps = Tensor.randn([2, 3, 8, 8], using: &rng)
        let ab = diffusion.alphasCumprod
        for (from, to) in [(900, ab[700]), (300, ab[0]), (0, 1.0)] {
            for clip in [false, true] {
                let ddim = diffusion.ddimMove(x, eps: eps, alphaBar: ab[from], targetAlphaBar: to, clip: clip).x
                let data = diffusion.dataPrediction(x, eps: eps, alphaBar: ab[from], clip: clip)
                let dpm = diffusion.dpmSolverPlusPlusMove(x, data: data, alphaBar: ab[from], targetAlphaBar: to)
                assertClose(dpm, ddim, rtol: 1e-4, atol: 1e-4, "t \(from) → ᾱ \(to), clip \(clip)")
            }
        }
    }

    /// Two steps are both first order (the first has no history, the last lands on ᾱ = 1),
    /// three too with `lowerOrderFinal`, and a point mass (s = 0) makes x̂0 the same at every
    /// step, so the second-order correction vanishes: DPM-Solver++ is DDIM in each.
    func testReducesToDDIMWhenTheCorrectionVanishes() {
        let (mean, xT) = problem(seed: 3)
        assertClose(solveSecondOrderToTheEnd(steps: 2, mean: mean, xT: xT, spread: 0.1),
                    solve(.ddim, steps: 2, mean: mean, xT: xT, spread: 0.1), rtol: 1e-4, atol: 1e-4, "2 steps")
        assertClose(solve(.dpmSolverPlusPlus, steps: 3, mean: mean, xT: xT, spread: 0.1),
                    solve(.ddim, steps: 3, mean: mean, xT: xT, spread: 0.1), rtol: 1e-4, atol: 1e-4, "3 steps, lower order final")
        assertClose(solveSecondOrderToTheEnd(steps: 10, mean: mean, xT: xT, spread: 0),
                    solve(.ddim, steps: 10, mean: mean, xT: xT, spread: 0), rtol: 1e-4, atol: 1e-4, "point mass, 10 steps")
    }

    func testDecodingWithATinyModelIsDeterministicAndDefaultsToDDIM() {
        let model = DiffAE(preset: .tiny, seed: 4).eval()
        let (z, size) = (model.config.zSemChannels, model.config.imageSize)
        var rng = RandomGenerator(seed: 5)
        let zSem = Tensor.randn([2, z], using: &rng), noise = Tensor.randn([2, 3, size, size], using: &rng)
        let first = model.decode(zSem, noise: noise, steps: 5, sampler: .dpmSolverPlusPlus)
        let second = model.decode(zSem, noise: noise, steps: 5, sampler: .dpmSolverPlusPlus)
        XCTAssertEqual(first.values.map(\.bitPattern), second.values.map(\.bitPattern))
        XCTAssertEqual(model.decode(zSem, noise: noise, steps: 5).values.map(\.bitPattern),
                       model.decode(zSem, noise: noise, steps: 5, sampler: .ddim).values.map(\.bitPattern))
        XCTAssertEqual(DiffusionSampler(rawValue: "dpm++"), .dpmSolverPlusPlus)
    }
}
