import Autodiff
import Foundation
import XCTest

final class AttentionTests: XCTestCase {
    /// Loops in Double: softmax(scale·q·kᵀ + bias, masked) · v for q (G, Tq, D), k (G, Tk, D),
    /// v (G, Tk, Dv); mask and bias given as full (G, Tq, Tk) arrays.
    private func naiveAttention(
        _ q: [Float], _ k: [Float], _ v: [Float], g: Int, tq: Int, tk: Int, d: Int, dv: Int,
        scale: Double, mask: [Float]?, bias: [Float]?
    ) -> [Float] {
        var out = [Float](repeating: 0, count: g * tq * dv)
        for b in 0..<g { for i in 0..<tq {
            var s = [Double](repeating: 0, count: tk)
            for j in 0..<tk {
                var dot = 0.0
                for c in 0..<d { dot += Double(q[(b * tq + i) * d + c]) * Double(k[(b * tk + j) * d + c]) }
                s[j] = dot * scale + Double(bias?[(b * tq + i) * tk + j] ?? 0)
                if let mask, mask[(b * tq + i) * tk + j] == 0 { s[j] = -.infinity }
            }
            let m = s.max()!
            let e = s.map { Foundation.exp($0 - m) }
            let total = e.reduce(0, +)
            for c in 0..<dv {
                var acc = 0.0
                for j in 0..<tk { acc += e[j] / total * Double(v[(b * tk + j) * dv + c]) }
                out[(b * tq + i) * dv + c] = Float(acc)
            }
        } }
        return out
    }

    func testForwardPlain() {
        let q = randomTensor([2, 3, 5, 8], seed: 1), k = randomTensor([2, 3, 7, 8], seed: 2), v = randomTensor([2, 3, 7, 4], seed: 3)
        let y = scaledDotProductAttention(q, k, v)
        XCTAssertEqual(y.shape, [2, 3, 5, 4])
        let reference = naiveAttention(q.values, k.values, v.values, g: 6, tq: 5, tk: 7, d: 8, dv: 4,
                                       scale: 1 / 8.0.squareRoot(), mask: nil, bias: nil)
        assertElementsClose(y.values, reference, atol: 1e-6, rtol: 1e-5)
    }

    func testForwardWithBroadcastMaskAndBias() {
        let q = randomTensor([2, 2, 4, 6], seed: 4), k = randomTensor([2, 2, 5, 6], seed: 5), v = randomTensor([2, 2, 5, 3], seed: 6)
        // Key padding mask (B, 1, 1, Tk): batch 1 hides its last two keys. Bias per head (1, H, Tq, Tk).
        let mask = Tensor(shape: [2, 1, 1, 5], values: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        let bias = randomTensor([1, 2, 4, 5], seed: 7)
        let y = scaledDotProductAttention(q, k, v, mask: mask, bias: bias, scale: 0.3)
        var fullMask: [Float] = [], fullBias: [Float] = []
        for b in 0..<2 { for h in 0..<2 { for i in 0..<4 { for j in 0..<5 {
            fullMask.append(mask.values[b * 5 + j])
            fullBias.append(bias.values[(h * 4 + i) * 5 + j])
        } } } }
        let reference = naiveAttention(q.values, k.values, v.values, g: 4, tq: 4, tk: 5, d: 6, dv: 3,
                                       scale: 0.3, mask: fullMask, bias: fullBias)
        assertElementsClose(y.values, reference, atol: 1e-6, rtol: 1e-5)
    }

    func testGradients() {
        let q = randomTensor([1, 2, 4, 3], seed: 8), k = randomTensor([1, 2, 5, 3], seed: 9), v = randomTensor([1, 2, 5, 2], seed: 10)
        checkGradients([q, k, v]) { scaledDotProductAttention($0[0], $0[1], $0[2]) }
        // Causal-style mask (Tq, Tk) broadcast over batch and heads, plus a learnable bias.
        let mask = Tensor(shape: [4, 5], values: (0..<20).map { $0 % 5 <= $0 / 5 + 1 ? 1 : 0 })
        let bias = randomTensor([2, 4, 5], seed: 11)
        checkGradients([q, k, v, bias]) { scaledDotProductAttention($0[0], $0[1], $0[2], mask: mask, bias: $0[3]) }
        checkGradients([q, k, v]) { scaledDotProductAttention($0[0], $0[1], $0[2], mask: mask, scale: 0.7) }
    }

    func testMatchesComposedOps() {
        // Same result as matmul + softmax built from separate ops.
        let q = randomTensor([1, 4, 16, 8], seed: 12), k = randomTensor([1, 4, 16, 8], seed: 13), v = randomTensor([1, 4, 16, 8], seed: 14)
        let fused = scaledDotProductAttention(q, k, v)
        let composed = matmul(softmax(matmul(q, k.transposed(-1, -2)) * (1 / Float(8).squareRoot())), v)
        assertElementsClose(fused.values, composed.values, atol: 1e-6, rtol: 1e-5)
    }
}
