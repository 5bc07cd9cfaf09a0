import Autodiff
import XCTest
import TestSupport

/// Checks the analytic gradients of `f` against central finite differences.
///
/// The scalar loss is `Σ f(x) · r` with a fixed random `r`, so every output element
/// matters. Each input element is perturbed by ±eps (float32 forward, loss summed in
/// Double), and the difference must agree with the tape's gradient to within
/// `atol + rtol·|g|`.
func checkGradients(
    _ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
    maxElementsPerInput: Int = 64, file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Tensor]) -> Tensor
) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let y0 = f(inputs)
    var rng = SplitMix64(seed: 1234)
    let r = Tensor(shape: y0.shape, values: (0..<y0.count).map { _ in Float.random(in: -1...1, using: &rng) })
    func loss() -> Double {
        withoutGradients {
            let y = f(inputs)
            var s = 0.0
            for i in 0..<y.count { s += Double(y.pointer[i]) * Double(r.pointer[i]) }
            return s
        }
    }
    // Analytic: backward with gradient r.
    y0.backward(gradient: r)
    for (k, x) in inputs.enumerated() {
        guard let g = x.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(g.shape, x.shape, file: file, line: line)
        let stride = max(1, x.count / maxElementsPerInput)
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let saved = x.pointer[i]
            x.pointer[i] = saved + eps
            let up = loss()
            x.pointer[i] = saved - eps
            let down = loss()
            x.pointer[i] = saved
            let numeric = Float((up - down) / (2 * Double(eps)))
            let analytic = g.pointer[i]
            XCTAssertLessThanOrEqual(
                abs(numeric - analytic), atol + rtol * abs(numeric),
                "input \(k) element \(i): finite difference \(numeric), tape \(analytic)", file: file, line: line)
        }
    }
}

/// A tensor of uniform values in [lo, hi], reproducible from `seed`.
func randomTensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &rng) })
}
