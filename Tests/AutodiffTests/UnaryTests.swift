import Autodiff
import Foundation
import XCTest

final class UnaryTests: XCTestCase {
    func testForwardValues() {
        let x = randomTensor([5, 37], seed: 1, in: 0.1...3)
        let v = x.values
        assertElementsClose(exp(x).values, v.map { Foundation.exp($0) }, rtol: 3e-7)
        assertElementsClose(log(x).values, v.map { Foundation.log($0) }, atol: 1e-7, rtol: 1e-7)
        assertElementsClose(sqrt(x).values, v.map { $0.squareRoot() }, atol: 0, rtol: 1e-7)
        assertElementsClose(square(x).values, v.map { $0 * $0 }, atol: 0, rtol: 0)
        assertElementsClose(x.pow(1.7).values, v.map { Foundation.pow($0, 1.7) }, rtol: 1e-6)
        assertElementsClose(x.pow(-0.5).values, v.map { 1 / $0.squareRoot() }, rtol: 1e-6)
        let s = randomTensor([41], seed: 2, in: -3...3)
        assertElementsClose(abs(s).values, s.values.map { Swift.abs($0) }, atol: 0, rtol: 0)
        // Identities.
        assertElementsClose(log(exp(s)).values, s.values, atol: 1e-6)
        assertElementsClose(sqrt(square(s)).values, abs(s).values, atol: 0, rtol: 1e-7)
    }

    func testGradients() {
        let x = randomTensor([3, 7], seed: 3, in: 0.5...2)
        checkGradients([x]) { exp($0[0]) }
        checkGradients([x]) { log($0[0]) }
        checkGradients([x]) { sqrt($0[0]) }
        checkGradients([x]) { square($0[0]) }
        checkGradients([x]) { $0[0].pow(2.5) }
        checkGradients([x]) { $0[0].pow(-1) }
        // abs away from its kink at 0.
        let s = Tensor(shape: [6], values: [-2, -0.7, -0.2, 0.3, 0.9, 1.8])
        checkGradients([s]) { abs($0[0]) }
    }
}
