import Autodiff
import Foundation
import XCTest

final class SoftmaxTests: XCTestCase {
    /// Softmax of each length-n group along a stride, in Double.
    private func naiveSoftmax(_ v: [Float], outer: Int, length: Int, inner: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for o in 0..<outer { for i in 0..<inner {
            let idx = (0..<length).map { (o * length + $0) * inner + i }
            let m = idx.map { Double(v[$0]) }.max()!
            let total = idx.map { Foundation.exp(Double(v[$0]) - m) }.reduce(0, +)
            for j in idx { out[j] = Float(Foundation.exp(Double(v[j]) - m) / total) }
        } }
        return out
    }

    func testForwardLastAndMiddleDim() {
        let x = randomTensor([3, 5, 37], seed: 1, in: -8...8)
        assertElementsClose(softmax(x).values, naiveSoftmax(x.values, outer: 15, length: 37, inner: 1), atol: 1e-7, rtol: 2e-6)
        assertElementsClose(softmax(x, dim: 1).values, naiveSoftmax(x.values, outer: 3, length: 5, inner: 37), atol: 1e-7, rtol: 2e-6)
        let ls = logSoftmax(x, dim: -1).values
        assertElementsClose(ls, naiveSoftmax(x.values, outer: 15, length: 37, inner: 1).map { Foundation.log($0) }, atol: 2e-6, rtol: 1e-5)
        assertElementsClose(logSoftmax(x, dim: 0).values, softmax(x, dim: 0).values.map { Foundation.log($0) }, atol: 2e-6, rtol: 1e-5)
    }

    func testLargeLogitsAndMaskedRows() {
        // Shift invariance: huge logits must not overflow.
        let x = Tensor(shape: [2, 3], values: [1000, 1001, 1002, -.infinity, -.infinity, -.infinity])
        let y = softmax(x).values
        assertElementsClose(Array(y[0..<3]), naiveSoftmax([0, 1, 2], outer: 1, length: 3, inner: 1), atol: 1e-7)
        XCTAssertEqual(Array(y[3..<6]), [0, 0, 0], "a fully masked row gives zeros")
    }

    func testGradients() {
        let x = randomTensor([2, 3, 20], seed: 2, in: -2...2)
        checkGradients([x]) { softmax($0[0]) }
        checkGradients([x]) { softmax($0[0], dim: 1) }
        checkGradients([x]) { logSoftmax($0[0]) }
        checkGradients([x]) { logSoftmax($0[0], dim: 0) }
    }
}
