import Autodiff
import XCTest

/// conv2d(…, adding: residual) must give the bits of residual + conv2d(…).
final class Conv2dResidualTests: XCTestCase {
    func testFusedSumGivesTheBitsOfTheSeparateOps() {
        // Winograd (even and odd sizes), im2col on a small image, a 1×1 convolution.
        for (shape, outChannels, kernel, padding) in [([2, 8, 16, 16], 12, 3, 1), ([2, 8, 15, 13], 12, 3, 1), ([3, 16, 6, 6], 8, 3, 1), ([2, 8, 9, 9], 16, 1, 0)] {
            var rng = RandomGenerator(seed: 31)
            let x = Tensor.randn(shape, using: &rng)
            let w = Tensor.randn([outChannels, shape[1], kernel, kernel], using: &rng), b = Tensor.randn([outChannels], using: &rng)
            let residual = Tensor.randn([shape[0], outChannels, shape[2] + 2 * padding - kernel + 1, shape[3] + 2 * padding - kernel + 1], using: &rng)
            let separate = withoutGradients { residual + conv2d(x, w, bias: b, padding: padding) }
            let fused = withoutGradients { conv2d(x, w, bias: b, padding: padding, adding: residual) }
            XCTAssertEqual(fused.values.map(\.bitPattern), separate.values.map(\.bitPattern), "\(shape), \(kernel)×\(kernel)")
            let unbiased = withoutGradients { conv2d(x, w, padding: padding, adding: residual) }
            XCTAssertEqual(unbiased.values.map(\.bitPattern), withoutGradients { residual + conv2d(x, w, padding: padding) }.values.map(\.bitPattern))
        }
    }

    func testWithGradientsItRecordsTheSum() {
        var rng = RandomGenerator(seed: 32)
        let x = Tensor.randn([1, 4, 8, 8], using: &rng).requiringGrad()
        let w = Tensor.randn([4, 4, 3, 3], using: &rng), residual = Tensor.randn([1, 4, 8, 8], using: &rng)
        let y = conv2d(x, w, padding: 1, adding: residual)
        y.sum().backward()
        XCTAssertNotNil(x.grad)
        XCTAssertEqual(y.values, withoutGradients { residual + conv2d(x, w, padding: 1) }.values)
    }
}
