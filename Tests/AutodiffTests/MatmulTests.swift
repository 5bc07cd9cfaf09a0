import Autodiff
import XCTest

final class MatmulTests: XCTestCase {
    /// Triple loop over one pair of row-major matrices.
    private func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
            c[i * n + j] = s
        } }
        return c
    }

    func testTwoDimensional() {
        let a = randomTensor([5, 7], seed: 1), b = randomTensor([7, 3], seed: 2)
        let y = matmul(a, b)
        XCTAssertEqual(y.shape, [5, 3])
        assertElementsClose(y.values, naiveMatmul(a.values, b.values, m: 5, k: 7, n: 3))
        checkGradients([a, b]) { matmul($0[0], $0[1]) }
    }

    func testBatchedWithBroadcastBatchDims() {
        // a (2, 1, 4, 3) · b (3, 3, 5) → (2, 3, 4, 5)
        let a = randomTensor([2, 1, 4, 3], seed: 3), b = randomTensor([3, 3, 5], seed: 4)
        let y = matmul(a, b)
        XCTAssertEqual(y.shape, [2, 3, 4, 5])
        for i in 0..<2 { for j in 0..<3 {
            let am = Array(a.values[(i * 12)..<(i * 12 + 12)]), bm = Array(b.values[(j * 15)..<(j * 15 + 15)])
            let offset = (i * 3 + j) * 20
            assertElementsClose(Array(y.values[offset..<offset + 20]), naiveMatmul(am, bm, m: 4, k: 3, n: 5))
        } }
        checkGradients([a, b]) { matmul($0[0], $0[1]) }
        // Batched against a single matrix (folded path) and a single matrix against a batch.
        let w = randomTensor([3, 6], seed: 5), x = randomTensor([2, 4, 4, 3], seed: 6)
        XCTAssertEqual(matmul(x, w).shape, [2, 4, 4, 6])
        assertElementsClose(Array(matmul(x, w).values[0..<24]), naiveMatmul(Array(x.values[0..<12]), w.values, m: 4, k: 3, n: 6))
        checkGradients([x, w]) { matmul($0[0], $0[1]) }
        checkGradients([randomTensor([4, 3], seed: 7), randomTensor([2, 3, 5], seed: 8)]) { matmul($0[0], $0[1]) }
        // Equal batches that run one GEMM per core (count divisible by the core count).
        checkGradients([randomTensor([4, 3, 5], seed: 9), randomTensor([4, 5, 2], seed: 10)]) { matmul($0[0], $0[1]) }
    }

    func testLargeProductsSplitOverCoresByRowsOrColumns() {
        // Big enough to be cut into one part per core: by rows when A is the larger operand,
        // by columns (a ragged last part here) when it is the smaller; linear's Bᵀ and the
        // gradients' transposed operands take the same paths.
        for (m, k, n, seed) in [(96, 40, 72, 20), (40, 96, 80, 22)] as [(Int, Int, Int, UInt64)] {
            let a = randomTensor([m, k], seed: seed), b = randomTensor([k, n], seed: seed + 1)
            assertElementsClose(matmul(a, b).values, naiveMatmul(a.values, b.values, m: m, k: k, n: n))
            checkGradients([a, b]) { matmul($0[0], $0[1]) }
        }
        let x = randomTensor([1, 50, 96], seed: 24), w = randomTensor([144, 96], seed: 25)
        var wt = [Float](repeating: 0, count: 96 * 144)
        for o in 0..<144 { for i in 0..<96 { wt[i * 144 + o] = w.values[o * 96 + i] } }
        assertElementsClose(linear(x, w).values, naiveMatmul(x.values, wt, m: 50, k: 96, n: 144))
    }

    func testLinear() {
        let x = randomTensor([2, 3, 6], seed: 11), w = randomTensor([4, 6], seed: 12), bias = randomTensor([4], seed: 13)
        let y = linear(x, w, bias)
        XCTAssertEqual(y.shape, [2, 3, 4])
        var wt = [Float](repeating: 0, count: 24)
        for o in 0..<4 { for i in 0..<6 { wt[i * 4 + o] = w.values[o * 6 + i] } }
        let reference = naiveMatmul(x.values, wt, m: 6, k: 6, n: 4).enumerated().map { $0.element + bias.values[$0.offset % 4] }
        assertElementsClose(y.values, reference)
        assertElementsClose(linear(x, w).values, naiveMatmul(x.values, wt, m: 6, k: 6, n: 4))
        checkGradients([x, w, bias]) { linear($0[0], $0[1], $0[2]) }
        checkGradients([x, w]) { linear($0[0], $0[1]) }
        checkGradients([randomTensor([6], seed: 14), w]) { linear($0[0], $0[1]) }
    }
}
