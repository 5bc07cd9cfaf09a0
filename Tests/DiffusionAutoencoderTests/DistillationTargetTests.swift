import DiffusionAutoencoder
import TestSupport
import XCTest

/// Progressive distillation's closed-form target: one DDIM move with it as x̂0 lands where
/// the teacher's two moves did, computed independently here.
final class DistillationTargetTests: XCTestCase {
    private let diffusion = GaussianDiffusion()

    /// The ε for which `ddimMove` at level ᾱ predicts exactly x̂0 = `x0` (unclipped).
    private func noise(predicting x0: Tensor, at x: Tensor, alphaBar: Double) -> Tensor {
        let recip = Float((1 / alphaBar).squareRoot()), recipMinusOne = Float((1 / alphaBar - 1).squareRoot())
        return (recip * x - x0) / recipMinusOne
    }

    func testOneMoveWithTheTargetLandsWhereTwoTeacherMovesDo() {
        var rng = RandomGenerator(seed: 5)
        let ab = diffusion.alphasCumprod
        for (t, tMid, tEnd) in [(950, 713, 475), (475, 238, nil), (900, 500, 100)] as [(Int, Int, Int?)] {
            let x = Tensor.randn([2, 3, 4, 4], using: &rng)
            // a teacher whose ε is any fixed function of x: here two draws, one per move
            let eps1 = Tensor.randn(x.shape, using: &rng), eps2 = Tensor.randn(x.shape, using: &rng)
            let landingAlphaBar = tEnd.map { ab[$0] } ?? 1
            let middle = diffusion.ddimMove(x, eps: eps1, alphaBar: ab[t], targetAlphaBar: ab[tMid], clip: false).x
            let landing = diffusion.ddimMove(middle, eps: eps2, alphaBar: ab[tMid], targetAlphaBar: landingAlphaBar, clip: false).x

            let target = diffusion.distillationTarget(from: x, alphaBar: ab[t], landing: landing, landingAlphaBar: landingAlphaBar)
            let studentMove = diffusion.ddimMove(x, eps: noise(predicting: target, at: x, alphaBar: ab[t]), alphaBar: ab[t],
                                                 targetAlphaBar: landingAlphaBar, clip: false)
            assertClose(studentMove.x, landing, rtol: 1e-3, atol: 2e-3, "\(t) → \(tEnd.map(String.init) ?? "clean")")
            if tEnd == nil { XCTAssertEqual(target.values, landing.values, "onto the clean image the target is the landing itself") }
        }
    }
}
