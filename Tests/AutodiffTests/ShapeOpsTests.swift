import Autodiff
import XCTest

/// permute / transpose, concat / split, slice.
final class ShapeOpsTests: XCTestCase {
    func testPermuteMatchesIndexFormula() {
        let x = randomTensor([2, 3, 4, 5], seed: 1)
        let order = [2, 0, 3, 1]
        let y = x.permuted(order)
        XCTAssertEqual(y.shape, [4, 2, 5, 3])
        let v = x.values, w = y.values
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            XCTAssertEqual(w[((c * 2 + a) * 5 + d) * 3 + b], v[((a * 3 + b) * 4 + c) * 5 + d])
        } } } }
        checkGradients([x]) { $0[0].permuted(order) }
    }

    func testReversedOrderGathersStridedOnBothSides() {
        // (2,3,4) → (4,3,2): neither of the last two output dims is contiguous in the source.
        let x = randomTensor([2, 3, 40], seed: 7)
        let y = x.permuted([2, 1, 0])
        let v = x.values, w = y.values
        for a in 0..<2 { for b in 0..<3 { for c in 0..<40 {
            XCTAssertEqual(w[(c * 3 + b) * 2 + a], v[(a * 3 + b) * 40 + c])
        } } }
        checkGradients([randomTensor([2, 3, 4], seed: 8)]) { $0[0].permuted([2, 1, 0]) }
    }

    func testTransposeLargeTiledAndRoundTrip() {
        // A transpose large enough to be tiled and split across threads.
        let x = randomTensor([3, 150, 97], seed: 2)
        let t = x.transposed(1, 2)
        XCTAssertEqual(t.shape, [3, 97, 150])
        let v = x.values, w = t.values
        for b in 0..<3 { for i in stride(from: 0, to: 150, by: 7) { for j in 0..<97 {
            XCTAssertEqual(w[(b * 97 + j) * 150 + i], v[(b * 150 + i) * 97 + j])
        } } }
        XCTAssertEqual(t.transposed(-1, -2).values, v)
        // Keeping the last dim: row copies.
        let u = x.transposed(0, 1)
        XCTAssertEqual(u.shape, [150, 3, 97])
        XCTAssertEqual(Array(u.values[(5 * 3 + 2) * 97..<(5 * 3 + 3) * 97]), Array(v[(2 * 150 + 5) * 97..<(2 * 150 + 6) * 97]))
        checkGradients([randomTensor([2, 3, 4], seed: 3)]) { $0[0].transposed(0, 2) }
    }

    func testConcatSplitSlice() {
        let a = randomTensor([2, 3, 4], seed: 4), b = randomTensor([2, 1, 4], seed: 5), c = randomTensor([2, 2, 4], seed: 6)
        let y = concat([a, b, c], dim: 1)
        XCTAssertEqual(y.shape, [2, 6, 4])
        let parts = y.split([3, 1, 2], dim: 1)
        XCTAssertEqual(parts.map(\.values), [a.values, b.values, c.values])
        XCTAssertEqual(y.slice(dim: -2, 3..<4).values, b.values)
        let s = a.slice(dim: 2, 1..<3)
        XCTAssertEqual(s.shape, [2, 3, 2])
        XCTAssertEqual(s.values[0...1].map { $0 }, [a.values[1], a.values[2]])
        XCTAssertEqual(concat([a, a], dim: 0).values, a.values + a.values)
        checkGradients([a, b, c]) { concat($0, dim: 1) }
        checkGradients([a, c]) { concat([$0[0], $0[1]], dim: 1).slice(dim: 2, 1..<4) }
        checkGradients([a]) { t in
            let p = t[0].split([1, 2], dim: 1)
            return p[0] * p[1].slice(dim: 1, 1..<2)
        }
    }
}
