import Autodiff
import Foundation
import XCTest

final class ArithmeticTests: XCTestCase {
    /// out[i] = f(a[ia], b[ib]) with broadcast indices computed one element at a time.
    private func naive(_ a: Tensor, _ b: Tensor, _ f: @escaping (Float, Float) -> Float) -> (shape: [Int], values: [Float]) {
        let rank = max(a.rank, b.rank)
        let pa = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let pb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        let shape = zip(pa, pb).map { max($0, $1) }
        let count = shape.reduce(1, *)
        let av = a.values, bv = b.values
        var values: [Float] = []
        for flat in 0..<count {
            var rest = flat, ia = 0, ib = 0, sa = 1, sb = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let i = rest % shape[d]
                rest /= shape[d]
                ia += (pa[d] == 1 ? 0 : i) * sa
                ib += (pb[d] == 1 ? 0 : i) * sb
                sa *= pa[d]
                sb *= pb[d]
            }
            values.append(f(av[ia], bv[ib]))
        }
        return (shape, values)
    }

    /// Shape pairs covering each broadcast path: same shape, scalar, trailing (N,C,1,1),
    /// leading (C), both sides broadcasting, and a size-1 middle.
    private let shapePairs: [([Int], [Int])] = [
        ([3, 5], [3, 5]), ([37], []), ([], [4, 3]), ([2, 3, 4, 5], [2, 3, 1, 1]), ([2, 5, 19], [19]),
        ([2, 1, 3], [1, 4, 1]), ([4, 1], [3]), ([2, 3, 4], [3, 1]), ([1, 3, 1, 5], [2, 1, 4, 1]),
    ]

    func testForwardMatchesNaiveBroadcast() {
        for (k, (sa, sb)) in shapePairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(10 + k)), b = randomTensor(sb, seed: UInt64(50 + k), in: 0.5...2)
            typealias TensorOp = (Tensor, Tensor) -> Tensor
            typealias FloatOp = (Float, Float) -> Float
            let add: TensorOp = { $0 + $1 }, sub: TensorOp = { $0 - $1 }
            let mul: TensorOp = { $0 * $1 }, div: TensorOp = { $0 / $1 }
            let fadd: FloatOp = { $0 + $1 }, fsub: FloatOp = { $0 - $1 }
            let fmul: FloatOp = { $0 * $1 }, fdiv: FloatOp = { $0 / $1 }
            let cases: [(String, TensorOp, FloatOp)] = [("+", add, fadd), ("-", sub, fsub), ("*", mul, fmul), ("/", div, fdiv)]
            for (name, op, f) in cases {
                let y = op(a, b), reference = naive(a, b, f)
                XCTAssertEqual(y.shape, reference.shape, "\(sa) \(name) \(sb)")
                assertElementsClose(y.values, reference.values, atol: 0, rtol: 1e-6, "\(sa) \(name) \(sb)")
            }
        }
    }

    func testLargeBroadcastRunsInParallelCorrectly() {
        // Big enough to split across threads: (N,C,H,W) · (N,C,1,1) and (B,T,C) + (C).
        let x = randomTensor([4, 16, 32, 33], seed: 1), s = randomTensor([4, 16, 1, 1], seed: 2)
        assertElementsClose((x * s).values, naive(x, s, *).values, atol: 0, rtol: 0)
        let h = randomTensor([3, 700, 65], seed: 3), bias = randomTensor([65], seed: 4)
        assertElementsClose((h + bias).values, naive(h, bias, +).values, atol: 0, rtol: 0)
    }

    func testLongSameShapeAndScalarRowsSplitAcrossCores() {
        let x = randomTensor([100_003], seed: 11), y = randomTensor([100_003], seed: 12, in: 0.5...2)
        assertElementsClose((x * y).values, zip(x.values, y.values).map { $0 * $1 }, atol: 0, rtol: 0)
        assertElementsClose((x / y).values, zip(x.values, y.values).map { $0 / $1 }, atol: 0, rtol: 0)
        assertElementsClose((x - 0.25).values, x.values.map { $0 - 0.25 }, atol: 0, rtol: 0)
        assertElementsClose(exp(x).values, x.values.map { Foundation.exp($0) }, atol: 0, rtol: 3e-7)
    }

    func testScalarOperandsAndNegation() {
        let x = randomTensor([2, 9], seed: 5, in: 0.5...2)
        assertElementsClose((x + 2).values, x.values.map { $0 + 2 })
        assertElementsClose((3 - x).values, x.values.map { 3 - $0 })
        assertElementsClose((x * -1.5).values, x.values.map { $0 * -1.5 })
        assertElementsClose((x / 4).values, x.values.map { $0 / 4 })
        assertElementsClose((1 / x).values, x.values.map { 1 / $0 })
        assertElementsClose((-x).values, x.values.map { -$0 })
    }

    func testGradientsWithBroadcasting() {
        for (k, (sa, sb)) in shapePairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(100 + k)), b = randomTensor(sb, seed: UInt64(200 + k), in: 0.5...2)
            checkGradients([a, b]) { $0[0] + $0[1] }
            checkGradients([a, b]) { $0[0] - $0[1] }
            checkGradients([a, b]) { $0[0] * $0[1] }
            checkGradients([a, b]) { $0[0] / $0[1] }
        }
    }

    func testGradientsWithConstants() {
        let x = randomTensor([3, 4], seed: 7, in: 0.5...2)
        checkGradients([x]) { 2 - $0[0] * 3 + 1 }
        checkGradients([x]) { 1.5 / $0[0] }
        checkGradients([x]) { -($0[0] / 2) }
    }

    func testExpandAndSumToShape() {
        let x = randomTensor([3, 1, 2], seed: 8)
        let y = x.expanded(to: [2, 3, 4, 2])
        XCTAssertEqual(y.shape, [2, 3, 4, 2])
        assertElementsClose(y.values, naive(x, Tensor(shape: [2, 3, 4, 2], repeating: 0), { a, _ in a }).values, atol: 0, rtol: 0)
        checkGradients([x]) { $0[0].expanded(to: [2, 3, 4, 2]) }
        // Constant along the innermost row: (3, 1) → (2, 3, 4).
        let column = randomTensor([3, 1], seed: 10)
        let e = column.expanded(to: [2, 3, 4])
        assertElementsClose(e.values, (0..<24).map { column.values[($0 / 4) % 3] }, atol: 0, rtol: 0)
        checkGradients([column]) { $0[0].expanded(to: [2, 3, 4]) }
        let big = randomTensor([2, 3, 4, 2], seed: 9)
        let s = big.summed(toShape: [3, 1, 2])
        let v = big.values
        for c in 0..<3 {
            for k in 0..<2 {
                var total: Float = 0
                for n in 0..<2 { for h in 0..<4 { total += v[((n * 3 + c) * 4 + h) * 2 + k] } }
                XCTAssertEqual(s.values[c * 2 + k], total, accuracy: 1e-5)
            }
        }
        checkGradients([big]) { $0[0].summed(toShape: [3, 1, 2]) }
    }
}

final class EmptyTensorTests: XCTestCase {
    func testEmptyShapesPassThrough() {
        let e = Tensor(shape: [0, 3], values: [])
        XCTAssertEqual((e + Tensor(shape: [3], values: [1, 2, 3])).shape, [0, 3])
        XCTAssertEqual(exp(e).shape, [0, 3])
        XCTAssertEqual(e.transposed(0, 1).shape, [3, 0])
        XCTAssertEqual(e.sum().item, 0)
        XCTAssertEqual(softmax(e).shape, [0, 3])
    }
}
