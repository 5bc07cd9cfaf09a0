import Autodiff
import XCTest

/// weightNorm against the definition w = g·v/‖v‖ (norm over all dims but `dim`), and gradients.
final class WeightNormTests: XCTestCase {
    func reference(_ v: Tensor, _ g: Tensor, dim: Int) -> [Float] {
        let shape = v.shape
        let outer = shape[..<dim].reduce(1, *), size = shape[dim], inner = shape[(dim + 1)...].reduce(1, *)
        var norms = [Double](repeating: 0, count: size)
        for o in 0..<outer { for i in 0..<size { for k in 0..<inner {
            let e = Double(v.pointer[(o * size + i) * inner + k]); norms[i] += e * e
        } } }
        var w = [Float](repeating: 0, count: v.count)
        for o in 0..<outer { for i in 0..<size { for k in 0..<inner {
            let idx = (o * size + i) * inner + k
            w[idx] = Float(Double(g.pointer[i]) * Double(v.pointer[idx]) / norms[i].squareRoot())
        } } }
        return w
    }

    func testForwardMatchesDefinition() {
        for dim in [0, 1, 2] {
            let v = randomTensor([4, 3, 5], seed: 1)
            var gShape = [1, 1, 1]
            gShape[dim] = v.shape[dim]
            let g = randomTensor(gShape, seed: 2)
            let w = weightNorm(v, g, dim: dim)
            XCTAssertEqual(w.shape, v.shape)
            for (a, b) in zip(w.values, reference(v, g, dim: dim)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testNegativeDimCountsFromTheEnd() {
        let v = randomTensor([3, 2, 4], seed: 3), g = randomTensor([1, 1, 4], seed: 4)
        XCTAssertEqual(weightNorm(v, g, dim: -1).values, weightNorm(v, g, dim: 2).values)
    }

    func testGradients() {
        for dim in [0, 1, 2] {
            let v = randomTensor([3, 4, 5], seed: 5)
            var gShape = [1, 1, 1]
            gShape[dim] = v.shape[dim]
            checkGradients([v, randomTensor(gShape, seed: 6)]) { t in weightNorm(t[0], t[1], dim: dim) }
        }
    }
}
