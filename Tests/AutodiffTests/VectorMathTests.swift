import Autodiff
import Foundation
import XCTest

final class VectorMathTests: XCTestCase {
    /// Applies a SIMD16 function to every element of `xs`.
    private func apply(_ f: (SIMD16<Float>) -> SIMD16<Float>, _ xs: [Float]) -> [Float] {
        var out: [Float] = []
        var i = 0
        while i < xs.count {
            var v = SIMD16<Float>(repeating: 0)
            let n = min(16, xs.count - i)
            for j in 0..<n { v[j] = xs[i + j] }
            let r = f(v)
            for j in 0..<n { out.append(r[j]) }
            i += 16
        }
        return out
    }

    /// Distance in units in the last place between two finite floats of the same sign.
    private func ulps(_ a: Float, _ b: Float) -> Int {
        Int(a.bitPattern) - Int(b.bitPattern)
    }

    func testExpMatchesFoundationToFewUlp() {
        // A dense sweep over the whole normal output range.
        let xs = stride(from: Float(-87), through: 88.5, by: 0.0137).map { $0 }
        let ours = apply(VectorMath.exp, xs)
        var worst = 0
        for (x, y) in zip(xs, ours) {
            let reference = Foundation.exp(x)
            worst = max(worst, abs(ulps(y, reference)))
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst exp error in ulp")
    }

    func testExpEdgeCases() {
        let xs: [Float] = [0, -0, 1, -1, 88.72, 88.73, 89, 100, .infinity, -100, -103.9, -104, -150, -1e6, -.infinity, .nan, -87.4, -95]
        let ours = apply(VectorMath.exp, xs)
        XCTAssertEqual(ours[0], 1)
        XCTAssertEqual(ours[1], 1)
        for i in 5...8 { XCTAssertEqual(ours[i], .infinity, "exp(\(xs[i]))") }
        for i in 11...14 { XCTAssertEqual(ours[i], 0, "exp(\(xs[i]))") }
        XCTAssertTrue(ours[15].isNaN)
        // Near the overflow edge and in the subnormal range, close to Foundation.
        XCTAssertEqual(ours[4], Foundation.exp(xs[4]), accuracy: Foundation.exp(xs[4]) * 1e-6)
        for i in [9, 10, 16, 17] {
            XCTAssertEqual(ours[i], Foundation.exp(xs[i]), accuracy: max(Foundation.exp(xs[i]) * 1e-5, 3 * .leastNonzeroMagnitude), "exp(\(xs[i]))")
        }
    }

    func testErfMatchesFoundation() {
        let xs = stride(from: Float(-6), through: 6, by: 0.001).map { $0 } + [1e-8, -1e-8, 0, .infinity, -.infinity]
        let ours = apply(VectorMath.erf, xs)
        for (x, y) in zip(xs, ours) {
            XCTAssertEqual(y, Foundation.erf(x), accuracy: 5e-7, "erf(\(x))")
        }
        // Relative accuracy near zero (the series branch).
        XCTAssertEqual(ours[xs.count - 5], Foundation.erf(Float(1e-8)), accuracy: 1e-14)
        XCTAssertTrue(apply(VectorMath.erf, [.nan])[0].isNaN)
    }

    func testTanhAndSigmoidMatchFoundation() {
        let xs = stride(from: Float(-20), through: 20, by: 0.003).map { $0 } + [1e-6, -3e-5, .infinity, -.infinity]
        let th = apply(VectorMath.tanh, xs), sg = apply(VectorMath.sigmoid, xs)
        for (i, x) in xs.enumerated() {
            let t = Foundation.tanh(x)
            XCTAssertEqual(th[i], t, accuracy: max(abs(t) * 4e-7, 1e-12), "tanh(\(x))")
            let s = 1 / (1 + Foundation.exp(-Double(x)))
            XCTAssertEqual(Double(sg[i]), s, accuracy: max(s * 1e-6, 1e-30), "sigmoid(\(x))")
        }
        XCTAssertTrue(apply(VectorMath.tanh, [.nan])[0].isNaN)
    }
}
