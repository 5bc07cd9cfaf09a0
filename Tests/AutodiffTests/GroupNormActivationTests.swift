import Autodiff
import XCTest

/// GroupNorm with the activation fused in (inference) must give the bits of the separate ops.
final class GroupNormActivationTests: XCTestCase {
    func testFusedSiLUGivesTheBitsOfTheSeparateOps() {
        // Planes of 64 (SIMD body only), 35 (body and tail), 3 (tail only); 8 channels in 4 groups.
        for spatial in [[8, 8], [5, 7], [1, 3]] {
            var rng = RandomGenerator(seed: 21)
            let x = Tensor.randn([3, 8] + spatial, using: &rng)
            let w = Tensor.randn([8], using: &rng), b = Tensor.randn([8], using: &rng)
            let separate = withoutGradients { silu(groupNorm(x, groups: 4, weight: w, bias: b)) }
            let fused = withoutGradients { groupNormSiLU(x, groups: 4, weight: w, bias: b) }
            XCTAssertEqual(fused.values.map(\.bitPattern), separate.values.map(\.bitPattern), "\(spatial)")
        }
    }

    func testWithGradientsItRecordsBothOps() {
        var rng = RandomGenerator(seed: 22)
        let x = Tensor.randn([2, 4, 3, 3], using: &rng).requiringGrad()
        let w = Tensor.randn([4], using: &rng).requiringGrad(), b = Tensor.randn([4], using: &rng).requiringGrad()
        let y = groupNormSiLU(x, groups: 2, weight: w, bias: b)
        XCTAssertEqual(y.gradFunction?.name, "silu")
        XCTAssertEqual(y.gradFunction?.inputs.first?.gradFunction?.name, "groupNorm")
    }

    func testThenInPlaceSeesEveryPlaneByItsIndex() {
        var rng = RandomGenerator(seed: 23)
        let x = Tensor.randn([2, 6, 4, 5], using: &rng)
        let y = withoutGradients {
            groupNorm(x, groups: 3, weight: nil, bias: nil) { plane, values, count in
                for i in 0..<count { values[i] = Float(plane) }
            }
        }
        for plane in 0..<12 { XCTAssertEqual(Set(y.values[plane * 20..<(plane + 1) * 20]), [Float(plane)]) }
    }
}
