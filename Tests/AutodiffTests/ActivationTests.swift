import Autodiff
import Foundation
import XCTest

final class ActivationTests: XCTestCase {
    /// Covers both SIMD and tail elements, and saturated regions.
    private let x = randomTensor([3, 45], seed: 1, in: -9...9)

    func testForwardMatchesScalarFormulas() {
        let v = x.values.map(Double.init)
        func sig(_ t: Double) -> Double { 1 / (1 + Foundation.exp(-t)) }
        assertElementsClose(sigmoid(x).values, v.map { Float(sig($0)) }, atol: 1e-7, rtol: 1e-6)
        assertElementsClose(silu(x).values, v.map { Float($0 * sig($0)) }, atol: 1e-6, rtol: 1e-6)
        assertElementsClose(swish(x).values, silu(x).values, atol: 0, rtol: 0)
        assertElementsClose(tanh(x).values, v.map { Float(Foundation.tanh($0)) }, atol: 1e-7, rtol: 1e-6)
        assertElementsClose(gelu(x).values, v.map { Float(0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot()))) }, atol: 2e-6, rtol: 1e-6)
        assertElementsClose(relu(x).values, x.values.map { max($0, 0) }, atol: 0, rtol: 0)
    }

    func testGradients() {
        let small = randomTensor([4, 9], seed: 2, in: -4...4)
        checkGradients([small]) { silu($0[0]) }
        checkGradients([small]) { gelu($0[0]) }
        checkGradients([small]) { sigmoid($0[0]) }
        checkGradients([small]) { tanh($0[0]) }
        // relu away from its kink at 0.
        let r = Tensor(shape: [6], values: [-2, -0.7, -0.2, 0.3, 0.9, 1.8])
        checkGradients([r]) { relu($0[0]) }
    }

    func testGLU() {
        let x = randomTensor([2, 6, 5], seed: 3, in: -3...3)
        let y = glu(x, dim: 1)
        XCTAssertEqual(y.shape, [2, 3, 5])
        let v = x.values
        var expected: [Float] = []
        for n in 0..<2 {
            for c in 0..<3 {
                for t in 0..<5 {
                    let a = v[(n * 6 + c) * 5 + t], b = v[(n * 6 + c + 3) * 5 + t]
                    expected.append(a / (1 + Foundation.exp(-b)))
                }
            }
        }
        assertElementsClose(y.values, expected, atol: 1e-6, rtol: 1e-6)
        checkGradients([x]) { glu($0[0], dim: 1) }
        checkGradients([x]) { glu($0[0], dim: 0) }
        checkGradients([randomTensor([3, 2, 40], seed: 4)]) { glu($0[0], dim: -1) }
    }
}
