import DiffusionAutoencoder
import XCTest
import TestSupport

/// The fused conditioning op against the same computation from separate ops.
final class ModulatedSiLUTests: XCTestCase {
    func testMatchesComposedOpsForwardAndBackward() {
        for spatial in [[5, 5], [8, 8], [1, 3]] {  // SIMD body with a tail, body only, tail only
            var rng = RandomGenerator(seed: 5)
            let shape = [3, 4] + spatial
            let h = Tensor.randn(shape, using: &rng).requiringGrad()
            let scale = Tensor.randn([3, 4], using: &rng).requiringGrad()
            let shift = Tensor.randn([3, 4], using: &rng).requiringGrad()
            let gy = Tensor.randn(shape, using: &rng)

            let fused = modulatedSiLU(h, scale: scale, shift: shift)
            fused.backward(gradient: gy)
            let (gh, gs, gb) = (h.grad!, scale.grad!, shift.grad!)
            for t in [h, scale, shift] { t.grad = nil }

            let broadcast = [3, 4] + Array(repeating: 1, count: spatial.count)
            let composed = silu(h * scale.reshaped(broadcast) + shift.reshaped(broadcast))
            composed.backward(gradient: gy)

            assertClose(fused, composed, rtol: 1e-5, atol: 1e-6, "y \(spatial)")
            assertClose(gh, h.grad!, rtol: 1e-5, atol: 1e-6, "dh \(spatial)")
            assertClose(gs, scale.grad!, rtol: 1e-4, atol: 1e-5, "dscale \(spatial)")
            assertClose(gb, shift.grad!, rtol: 1e-4, atol: 1e-5, "dshift \(spatial)")
        }
    }

    func testNormalizedAtInferenceGivesTheBitsOfTheSeparateOps() {
        for spatial in [[5, 5], [8, 8], [1, 3]] {  // SIMD body with a tail, body only, tail only
            var rng = RandomGenerator(seed: 6)
            let h = Tensor.randn([3, 8] + spatial, using: &rng)
            let norm = GroupNorm(groups: 4, channels: 8)
            for p in [norm.weight!, norm.bias!] { for i in 0..<p.count { p.pointer[i] = Float.random(in: -2...2) } }
            let scale = Tensor.randn([3, 8], using: &rng), shift = Tensor.randn([3, 8], using: &rng)
            let separate = withoutGradients { modulatedSiLU(norm(h), scale: scale, shift: shift) }
            let fused = withoutGradients { normalizedModulatedSiLU(h, norm: norm, scale: scale, shift: shift) }
            XCTAssertEqual(fused.values.map(\.bitPattern), separate.values.map(\.bitPattern), "\(spatial)")
        }
    }
}
