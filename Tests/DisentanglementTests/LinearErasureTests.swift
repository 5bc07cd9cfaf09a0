import DiffusionAutoencoder
import XCTest
import Disentanglement

/// Linear concept erasure on data whose answer is known: what it removes, what it keeps,
/// its fold into an affine layer, its gradient and its state.
final class LinearErasureTests: XCTestCase {
    /// u (N, 10) = noise + y A + 50 (an offset, as z_sem's channels have), y (N, 2) Gaussian
    /// labels; A spreads each label over every channel, its two rows independent.
    func leakyBatch(_ n: Int, rng: inout RandomGenerator) -> (u: Tensor, y: Tensor) {
        let y = Tensor.randn([n, 2], using: &rng)
        let a = Tensor(shape: [2, 10], values: (0..<20).map { Float(($0 * 7) % 11 - 5) * 0.5 })
        return (Tensor.randn([n, 10], using: &rng) + matmul(y, a) + 50, y)
    }

    /// Least-squares R² of y's columns from [1 | u] on one sample, fitted and scored on
    /// another: what a linear probe would find.
    func heldOutR2(fit: (u: Tensor, y: Tensor), test: (u: Tensor, y: Tensor)) -> [Double] {
        func design(_ u: Tensor) -> Matrix {
            let n = u.shape[0], d = u.shape[1]
            return Matrix(rows: n, columns: d + 1, values: (0..<n).flatMap { r in [1] + (0..<d).map { Double(u.values[r * d + $0]) } })
        }
        let x = design(fit.u), xt = design(test.u)
        let y = Matrix(rows: fit.y.shape[0], columns: 2, values: fit.y.values.map(Double.init))
        var gram = x.multiplied(by: x, transposeSelf: true)
        for i in 0..<gram.rows { gram[i, i] += 1e-6 }
        let beta = choleskySolve(gram, x.multiplied(by: y, transposeSelf: true))!
        let prediction = xt.multiplied(by: beta)
        return (0..<2).map { k in
            let truth = (0..<test.y.shape[0]).map { Double(test.y.values[$0 * 2 + k]) }
            let mean = truth.reduce(0, +) / Double(truth.count)
            let residual = truth.indices.reduce(0.0) { $0 + pow(truth[$1] - prediction[$1, k], 2) }
            return 1 - residual / truth.reduce(0.0) { $0 + pow($1 - mean, 2) }
        }
    }

    func testErasedPartNoLongerPredictsTheLabelsAndKeepsTheRest() throws {
        var rng = RandomGenerator(seed: 5)
        let erasure = LinearErasure(dimension: 10, labels: 2, warmupBatches: 20)
        let (u0, _) = leakyBatch(8, rng: &rng)
        XCTAssertEqual(erasure(u0).values, u0.values, "before the moments are warm, u passes unchanged")
        for _ in 0..<300 { let (u, y) = leakyBatch(64, rng: &rng); erasure.observe(u, y) }
        let fit = leakyBatch(2000, rng: &rng), test = leakyBatch(2000, rng: &rng)
        for r2 in heldOutR2(fit: fit, test: test) { XCTAssertGreaterThan(r2, 0.9, "the labels are in u") }
        for r2 in heldOutR2(fit: (erasure(fit.u), fit.y), test: (erasure(test.u), test.y)) {
            XCTAssertLessThan(r2, 0.02, "the erased u predicts no label")
        }
        // Only the r = 2 label directions change: u − u' lies in span(Q), and the rest of u
        // (its component orthogonal to Q) is untouched.
        let q = try XCTUnwrap(erasure.projection()).basis
        XCTAssertEqual(q.shape, [10, 2])
        let change = test.u - erasure(test.u)
        let outside = change - matmul(matmul(change, q), q.transposed(0, 1))
        XCTAssertLessThan(outside.values.map(abs).max()!, 1e-3)
        let kept = test.u - matmul(matmul(test.u, q), q.transposed(0, 1))
        let keptAfter = erasure(test.u) - matmul(matmul(erasure(test.u), q), q.transposed(0, 1))
        for (a, b) in zip(kept.values, keptAfter.values) { XCTAssertEqual(a, b, accuracy: 1e-3) }
    }

    /// Speakers as one-hot columns sum to 1, so Σ_uy has rank S − 1: the basis is that wide.
    func testDependentLabelsGiveANarrowerBasis() throws {
        var rng = RandomGenerator(seed: 8)
        let erasure = LinearErasure(dimension: 10, labels: 3, warmupBatches: 5)
        let offsets = Tensor.randn([3, 10], using: &rng) * 3
        for _ in 0..<30 {
            let speakers = (0..<12).map { $0 % 3 }
            let oneHot = Tensor(shape: [12, 3], values: speakers.flatMap { s in (0..<3).map { $0 == s ? Float(1) : 0 } })
            erasure.observe(Tensor.randn([12, 10], using: &rng) + matmul(oneHot, offsets), oneHot)
        }
        XCTAssertEqual(try XCTUnwrap(erasure.projection()).basis.shape, [10, 2])
    }

    /// Folded into the affine layer that makes u, the layer emits the erased u.
    func testFoldIntoAnAffineLayerEqualsErasingItsOutput() {
        var rng = RandomGenerator(seed: 2)
        let erasure = LinearErasure(dimension: 10, labels: 2, warmupBatches: 3)
        for _ in 0..<10 { let (u, y) = leakyBatch(32, rng: &rng); erasure.observe(u, y) }
        let weight = Tensor.randn([10, 6], using: &rng), bias = Tensor.randn([10], using: &rng) + 50  // u = W f + b
        let f = Tensor.randn([5, 6], using: &rng)
        let u = matmul(f, weight.transposed(0, 1)) + bias.reshaped([1, 10])
        let expected = erasure(u)
        let (w, b) = (weight.copy(), bias.copy())
        erasure.projection()!.fold(weight: w.pointer, bias: b.pointer, inputs: 6)
        let folded = matmul(f, w.transposed(0, 1)) + b.reshaped([1, 10])
        for (a, e) in zip(folded.values, expected.values) { XCTAssertEqual(a, e, accuracy: 1e-3) }
    }

    /// The erasure is linear in u with Q, μ constant: its gradient is (I − QQᵀ) g, checked
    /// against central differences.
    func testGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 4)
        let erasure = LinearErasure(dimension: 10, labels: 2, warmupBatches: 3)
        for _ in 0..<10 { let (u, y) = leakyBatch(32, rng: &rng); erasure.observe(u, y) }
        let u = leakyBatch(4, rng: &rng).u
        u.requiresGrad = true
        let weights = Tensor.randn([4, 10], using: &rng)
        // Quadratic in u, so central differences are exact at any step: a wide one keeps
        // Float rounding small.
        func objective(_ x: Tensor) -> Tensor { (square(erasure(x) - 50) * weights).sum() }
        objective(u).backward()
        let grad = u.grad!
        for i in 0..<u.count {
            let saved = u.pointer[i], eps: Float = 0.5
            u.pointer[i] = saved + eps
            let up = withoutGradients { objective(u).item }
            u.pointer[i] = saved - eps
            let down = withoutGradients { objective(u).item }
            u.pointer[i] = saved
            let numeric = (up - down) / (2 * eps)
            XCTAssertEqual(grad.pointer[i], numeric, accuracy: 2e-3 + 1e-2 * abs(numeric), "u[\(i)]")
        }
    }

    /// The moments are buffers: a restored erasure erases the same way.
    func testMomentsAreCheckpointState() {
        var rng = RandomGenerator(seed: 3)
        let erasure = LinearErasure(dimension: 10, labels: 2, warmupBatches: 3)
        for _ in 0..<5 { let (u, y) = leakyBatch(16, rng: &rng); erasure.observe(u, y) }
        XCTAssertEqual(Set(erasure.namedBuffers().map(\.0)), ["moments.origin", "moments.mean", "moments.moment", "moments.observed"])
        let copy = LinearErasure(dimension: 10, labels: 2, warmupBatches: 3)
        for ((_, a), (_, b)) in zip(erasure.namedBuffers(), copy.namedBuffers()) { b.pointer.update(from: a.pointer, count: a.count) }
        let (u, _) = leakyBatch(4, rng: &rng)
        XCTAssertEqual(copy(u).values, erasure(u).values)
    }
}
