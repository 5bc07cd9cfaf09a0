import COpenBLAS
import Dispatch
import Foundation
import XCTest
@testable import Autodiff

/// Busy threads that compete with the kernels for the cores, as other processes do on a
/// loaded machine, so that work items finish in ever-changing orders.
final class CPULoad {
    private var threads: [Thread] = []

    init(threads count: Int = 2 * Parallel.coreCount) {
        for _ in 0..<count {
            let thread = Thread {
                var x: UInt64 = 1
                while !Thread.current.isCancelled {
                    for _ in 0..<10_000 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
                }
                if x == 0 { print("unreachable") }
            }
            thread.start()
            threads.append(thread)
        }
    }

    func stop() { for thread in threads { thread.cancel() } }
}

/// Bit-for-bit equality, with the first differing element in the message.
func assertIdentical(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
    guard a.shape == b.shape else { return }
    for i in 0..<a.count where a.pointer[i].bitPattern != b.pointer[i].bitPattern {
        XCTFail("\(what): element \(i) is \(a.pointer[i]), expected \(b.pointer[i])", file: file, line: line)
        return
    }
}

/// Race hunting (TF_STRESS=1): every parallel kernel, run many times under CPU load, must give
/// exactly what it gives with `Parallel` serial (the same work cut, on one thread), and
/// identical batch items must give identical outputs. A kernel that shares a write between
/// threads, reads unfinished work, or depends on which thread ran what fails here.
final class ParallelStressTests: XCTestCase {
    private let repeats = Int(ProcessInfo.processInfo.environment["TF_STRESS_REPEATS"] ?? "") ?? 10
    private var load: CPULoad?

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_STRESS"] == "1", "set TF_STRESS=1 to hunt races")
        load = CPULoad()
    }

    override func tearDown() { load?.stop() }

    /// `run` (which returns its outputs, gradients included) under load against its serial run.
    private func check(_ name: String, _ run: () -> [Tensor], file: StaticString = #filePath, line: UInt = #line) {
        let reference = Parallel.serially(run)
        for r in 0..<repeats {
            for (k, (got, want)) in zip(run(), reference).enumerated() {
                assertIdentical(got, want, "\(name) output \(k), repeat \(r)", file: file, line: line)
            }
        }
    }

    /// Items 1… of `t` (N, …) bit-for-bit equal to item 0.
    private func checkItemsAlike(_ t: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        for n in 1..<t.size(0) {
            assertIdentical(t.slice(dim: 0, n..<n + 1), t.slice(dim: 0, 0..<1), "\(name) item \(n)", file: file, line: line)
        }
    }

    /// (n, shape…) with every item the same random values.
    private func alikeItems(_ n: Int, _ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        let one = Tensor.randn([1] + shape, using: &rng)
        return concat(Array(repeating: one, count: n), dim: 0)
    }

    /// Forward and all gradients of `f` at fresh leaves built from `inputs`.
    private func withGradients(_ inputs: [Tensor], seed: UInt64 = 9, _ f: ([Tensor]) -> Tensor) -> [Tensor] {
        let leaves = inputs.map { Tensor(shape: $0.shape, values: Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count))).requiringGrad() }
        let y = f(leaves)
        var rng = RandomGenerator(seed: seed)
        y.backward(gradient: Tensor.randn(y.shape, using: &rng))
        return [y] + leaves.map { $0.grad! }
    }

    func testConvolutionsWinogradIm2colPointwiseStridedGrouped() {
        var rng = RandomGenerator(seed: 1)
        let x = alikeItems(4, [16, 18, 18], &rng)
        let cases: [(String, [Int], Int, Int, Int)] = [  // name, weight, stride, padding, groups
            ("winograd 3x3", [32, 16, 3, 3], 1, 1, 1), ("im2col 5x5", [8, 16, 5, 5], 1, 2, 1),
            ("pointwise", [24, 16, 1, 1], 1, 0, 1), ("strided 4x4", [8, 16, 4, 4], 2, 1, 1),
            ("grouped 3x3 s2", [16, 4, 3, 3], 2, 1, 4), ("depthwise", [16, 1, 3, 3], 1, 1, 16),
        ]
        for (name, wShape, stride, padding, groups) in cases {
            let w = Tensor.randn(wShape, using: &rng), b = Tensor.randn([wShape[0]], using: &rng)
            check(name) {
                withGradients([x, w, b]) { conv2d($0[0], $0[1], bias: $0[2], stride: stride, padding: padding, groups: groups) }
            }
            let y = conv2d(x, w, bias: b, stride: stride, padding: padding, groups: groups)
            checkItemsAlike(y, name)
        }
        // F(4×4, 3×3) takes images of ≥ 64 4×4 tiles.
        let large = alikeItems(4, [8, 34, 34], &rng)
        let w = Tensor.randn([16, 8, 3, 3], using: &rng), b = Tensor.randn([16], using: &rng)
        check("winograd F(4x4) 3x3") { withGradients([large, w, b]) { conv2d($0[0], $0[1], bias: $0[2], padding: 1) } }
        checkItemsAlike(conv2d(large, w, bias: b, padding: 1), "winograd F(4x4) 3x3")
    }

    func testNormsSoftmaxAndAttention() {
        var rng = RandomGenerator(seed: 2)
        let image = alikeItems(4, [32, 16, 16], &rng)
        let gw = Tensor.randn([32], using: &rng), gb = Tensor.randn([32], using: &rng)
        check("groupNorm") { withGradients([image, gw, gb]) { groupNorm($0[0], groups: 8, weight: $0[1], bias: $0[2]) } }
        checkItemsAlike(groupNorm(image, groups: 8, weight: gw, bias: gb), "groupNorm")

        let rows = alikeItems(4, [64, 96], &rng)
        let lw = Tensor.randn([96], using: &rng), lb = Tensor.randn([96], using: &rng)
        check("layerNorm") { withGradients([rows, lw, lb]) { layerNorm($0[0], weight: $0[1], bias: $0[2]) } }
        checkItemsAlike(layerNorm(rows, weight: lw, bias: lb), "layerNorm")
        check("softmax") { withGradients([rows]) { softmax($0[0]) } }
        checkItemsAlike(softmax(rows), "softmax")

        let q = alikeItems(4, [4, 64, 32], &rng), k = alikeItems(4, [4, 64, 32], &rng), v = alikeItems(4, [4, 64, 32], &rng)
        check("attention") { withGradients([q, k, v]) { scaledDotProductAttention($0[0], $0[1], $0[2]) } }
        checkItemsAlike(scaledDotProductAttention(q, k, v), "attention")
    }

    func testMatmulsBroadcastsAndSumToShape() {
        var rng = RandomGenerator(seed: 3)
        let a = alikeItems(8, [48, 40], &rng), b = Tensor.randn([8, 40, 56], using: &rng)
        check("batched matmul") { withGradients([a, b]) { matmul($0[0], $0[1]) } }
        let big = Tensor.randn([256, 320], using: &rng), w = Tensor.randn([320, 288], using: &rng)
        check("large matmul (split over cores)") { withGradients([big, w]) { matmul($0[0], $0[1]) } }
        let x = alikeItems(4, [64, 32, 32], &rng), bias = Tensor.randn([1, 64, 1, 1], using: &rng)
        check("broadcast add / mul") { withGradients([x, bias]) { ($0[0] + $0[1]) * $0[1] } }
        checkItemsAlike((x + bias) * bias, "broadcast")
        check("sumToShape") { [x.summed(toShape: [1, 64, 1, 1]), x.summed(toShape: [4, 1, 32, 32]), x.summed(toShape: [64, 32, 1])] }
    }

    /// OpenBLAS, pinned to one thread, called from every core at once on separate outputs:
    /// each product must equal the same product computed alone.
    func testConcurrentSingleThreadedOpenBLASCalls() {
        _ = Parallel.blasIsSingleThreaded
        XCTAssertEqual(openblas_get_num_threads(), 1)
        var rng = RandomGenerator(seed: 4)
        let (m, n, k, count) = (96, 200, 150, 16)
        let a = Tensor.randn([count, m, k], using: &rng), b = Tensor.randn([k, n], using: &rng)
        let alone = Tensor(shape: [count, m, n], repeating: 0), together = Tensor(shape: [count, m, n], repeating: 0)
        let gemm = { (i: Int, c: Tensor) in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                        a.pointer + i * m * k, Int32(k), b.pointer, Int32(n), 0, c.pointer + i * m * n, Int32(n))
        }
        for i in 0..<count { gemm(i, alone) }
        for r in 0..<repeats {
            DispatchQueue.concurrentPerform(iterations: count) { gemm($0, together) }
            assertIdentical(together, alone, "concurrent sgemm, repeat \(r)")
        }
    }

    /// The hazard the old `Parallel` had, made frequent (TF_STRESS_TOGGLE=1 as well): one thread
    /// switches OpenBLAS's thread count while others multiply. `openblas_set_num_threads` frees
    /// and reallocates OpenBLAS's shared thread buffers, so this can corrupt products in flight;
    /// `Parallel` therefore sets the count once and never again.
    func testSwitchingOpenBLASThreadCountDuringProducts() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_STRESS_TOGGLE"] == "1", "set TF_STRESS_TOGGLE=1 to run the unsafe pattern")
        defer { openblas_set_num_threads(1) }
        var rng = RandomGenerator(seed: 5)
        let (m, n, k) = (256, 256, 256)
        let a = Tensor.randn([m, k], using: &rng), b = Tensor.randn([k, n], using: &rng)
        let alone = Tensor(shape: [m, n], repeating: 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                    a.pointer, Int32(k), b.pointer, Int32(n), 0, alone.pointer, Int32(n))
        let outputs = (0..<3).map { _ in Tensor(shape: [m, n], repeating: 0) }
        var wrong = 0
        for _ in 0..<repeats * 20 {
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                if i == 3 {
                    for t in 0..<50 { openblas_set_num_threads(Int32(1 + t % 2)) }
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                a.pointer, Int32(k), b.pointer, Int32(n), 0, outputs[i].pointer, Int32(n))
                }
            }
            for c in outputs where !(0..<c.count).allSatisfy({ c.pointer[$0] == alone.pointer[$0] }) { wrong += 1 }
        }
        XCTAssertEqual(wrong, 0, "products corrupted while the thread count changed")
    }
}
