import Autodiff
import XCTest

final class ReductionTests: XCTestCase {
    func testSumAndMeanOverDims() {
        let x = randomTensor([2, 3, 4], seed: 1)
        let v = x.values
        func at(_ i: Int, _ j: Int, _ k: Int) -> Float { v[(i * 3 + j) * 4 + k] }
        let s1 = x.sum(dims: [1])
        XCTAssertEqual(s1.shape, [2, 4])
        for i in 0..<2 { for k in 0..<4 { XCTAssertEqual(s1.values[i * 4 + k], at(i, 0, k) + at(i, 1, k) + at(i, 2, k), accuracy: 1e-6) } }
        let s02 = x.sum(dims: [0, -1], keepDims: true)
        XCTAssertEqual(s02.shape, [1, 3, 1])
        for j in 0..<3 {
            var total: Float = 0
            for i in 0..<2 { for k in 0..<4 { total += at(i, j, k) } }
            XCTAssertEqual(s02.values[j], total, accuracy: 1e-5)
        }
        XCTAssertEqual(x.mean().item, v.reduce(0, +) / 24, accuracy: 1e-6)
        let m = x.mean(dims: [2])
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m.values[4], (at(1, 1, 0) + at(1, 1, 1) + at(1, 1, 2) + at(1, 1, 3)) / 4, accuracy: 1e-6)
        // Summing everything in two steps agrees with the full sum.
        XCTAssertEqual(x.sum(dims: [0, 1, 2]).item, x.sum().item, accuracy: 1e-5)
    }

    func testLargeSumIsAccurate() {
        let x = randomTensor([300_007], seed: 3, in: 0...1)
        let exact = x.values.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(Double(x.sum().item), exact, accuracy: exact * 1e-7)
        XCTAssertEqual(Double(x.mean().item), exact / 300_007, accuracy: 1e-7)
    }

    func testLargeReductionsToShapeSplitAcrossCores() {
        // Columns kept: (64, 2000) → (2000).
        let a = randomTensor([64, 2000], seed: 4)
        let av = a.values
        let columns = a.summed(toShape: [2000]).values
        for c in stride(from: 0, to: 2000, by: 37) {
            let exact = (0..<64).reduce(0.0) { $0 + Double(av[$1 * 2000 + c]) }
            XCTAssertEqual(Double(columns[c]), exact, accuracy: 1e-4)
        }
        // Rows collapsed, several rows per output: (3, 64, 1000) → (1, 64, 1).
        let b = randomTensor([3, 64, 1000], seed: 5)
        let bv = b.values
        let channels = b.summed(toShape: [1, 64, 1]).values
        for ch in 0..<64 {
            var exact = 0.0
            for n in 0..<3 { for i in 0..<1000 { exact += Double(bv[(n * 64 + ch) * 1000 + i]) } }
            XCTAssertEqual(Double(channels[ch]), exact, accuracy: 1e-3)
        }
    }

    func testReductionGradients() {
        let x = randomTensor([2, 3, 4], seed: 2)
        checkGradients([x]) { $0[0].sum(dims: [1]) }
        checkGradients([x]) { $0[0].sum(dims: [0, 2], keepDims: true) }
        checkGradients([x]) { $0[0].mean() }
        checkGradients([x]) { $0[0].mean(dims: [-1]) }
        checkGradients([x]) { $0[0].max(dim: 1) }
    }

    func testMax() {
        let x = Tensor(shape: [2, 3], values: [1, 5, 2, -1, -4, -0.5])
        XCTAssertEqual(x.max(dim: 1).values, [5, -0.5])
        XCTAssertEqual(x.max(dim: 0).values, [1, 5, 2])
        XCTAssertEqual(x.max(dim: 0, keepDims: true).shape, [1, 3])
        let withNaN = Tensor(shape: [3], values: [1, .nan, 2])
        XCTAssertTrue(withNaN.max(dim: 0).item.isNaN)
    }
}
