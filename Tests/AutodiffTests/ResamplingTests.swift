import Autodiff
import XCTest

/// upsampleNearest2d and avgPool2d against direct index formulas, and their gradients.
final class ResamplingTests: XCTestCase {
    func testUpsampleNearestMatchesDefinition() {
        for scale in [1, 2, 3] {
            let x = randomTensor([2, 3, 4, 5], seed: 1)
            let y = upsampleNearest2d(x, scale: scale)
            XCTAssertEqual(y.shape, [2, 3, 4 * scale, 5 * scale])
            for p in 0..<6 {
                for i in 0..<4 * scale {
                    for j in 0..<5 * scale {
                        XCTAssertEqual(y.pointer[(p * 4 * scale + i) * 5 * scale + j], x.pointer[(p * 4 + i / scale) * 5 + j / scale])
                    }
                }
            }
        }
    }

    func testUpsampleNearestGradient() {
        for scale in [2, 3] {
            checkGradients([randomTensor([2, 2, 3, 4], seed: 2)]) { t in upsampleNearest2d(t[0], scale: scale) }
        }
    }

    /// Direct definition: each output is the mean of its window.
    static func referenceAvgPool(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1
        var y = [Float]()
        for p in 0..<n * c {
            for i in 0..<oh {
                for j in 0..<ow {
                    var s = 0.0
                    for a in 0..<kernel { for b in 0..<kernel { s += Double(x.pointer[(p * h + i * stride + a) * w + j * stride + b]) } }
                    y.append(Float(s / Double(kernel * kernel)))
                }
            }
        }
        return Tensor(shape: [n, c, oh, ow], values: y)
    }

    func testAvgPoolMatchesReference() {
        for (kernel, stride) in [(2, 2), (3, 1), (3, 2), (2, 3)] {
            let x = randomTensor([2, 3, 7, 8], seed: 3)
            let y = avgPool2d(x, kernel: kernel, stride: stride)
            let r = Self.referenceAvgPool(x, kernel: kernel, stride: stride)
            XCTAssertEqual(y.shape, r.shape)
            for i in 0..<min(y.count, r.count) { XCTAssertEqual(y.pointer[i], r.pointer[i], accuracy: 1e-6) }
        }
    }

    func testAvgPoolGradient() {
        // (3, 1) overlaps windows, (2, 3) skips pixels: both must come out right.
        for (kernel, stride) in [(2, 2), (3, 1), (2, 3)] {
            checkGradients([randomTensor([2, 2, 7, 8], seed: 4)]) { t in avgPool2d(t[0], kernel: kernel, stride: stride) }
        }
    }
}
