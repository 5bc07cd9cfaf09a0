import Autodiff
import Foundation
import XCTest

/// Timings of the benchmark shapes (conv2d 3×3 and GroupNorm(32) inside DiffAE ResBlocks,
/// Conformer's depthwise conv1d). Skipped unless TF_PERF=1; run in release:
/// `TF_PERF=1 swift test -c release --filter AutodiffTests.ConvNormTimingTests`.
/// Not the project benchmark (Benchmarks/ compares against PyTorch); a quick check while tuning.
final class ConvNormTimingTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
    }

    /// Median over 5 runs after 2 warm-ups of wall time and of process CPU time (all threads),
    /// in ms. On a shared, loaded machine CPU time / cores is the steadier guide to cost.
    func medianTimes(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        func cpuNow() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
        }
        body(); body()
        var walls: [Double] = [], cpus: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuNow()
            body()
            walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpus.append(cpuNow() - cpuStart)
        }
        return (walls.sorted()[2], cpus.sorted()[2])
    }

    /// Times `op` alone, then `op` followed by backward from `gy` into every tensor in `inputs`.
    func timeForwardBackward(_ inputs: [Tensor], gy: Tensor, _ op: () -> Tensor) -> (forward: (wall: Double, cpu: Double), both: (wall: Double, cpu: Double)) {
        let forward = medianTimes { _ = withoutGradients(op) }
        for t in inputs { t.requiresGrad = true }
        let both = medianTimes {
            for t in inputs { t.grad = nil }
            op().backward(gradient: gy)
        }
        for t in inputs { t.requiresGrad = false; t.grad = nil }
        return (forward, both)
    }

    func testConv2d3x3() {
        for (c, h) in [(64, 64), (128, 32), (256, 16)] {
            let x = randomTensor([8, c, h, h], seed: 1)
            let w = randomTensor([c, c, 3, 3], seed: 2, in: -0.05...0.05)
            let b = randomTensor([c], seed: 3)
            let gy = randomTensor([8, c, h, h], seed: 4)
            let gflop = 2.0 * 8 * Double(c * h * h) * Double(c * 9) / 1e9
            let (f, fb) = timeForwardBackward([x, w, b], gy: gy) { conv2d(x, w, bias: b, padding: 1) }
            print(String(format: "conv2d 3x3 %d→%d on (8,%d,%d,%d): forward %.2f ms (%.1f GFLOP/s), forward+backward %.2f ms (%.1f GFLOP/s); CPU time %.1f / %.1f ms",
                         c, c, c, h, h, f.wall, gflop / f.wall * 1e3, fb.wall, 3 * gflop / fb.wall * 1e3, f.cpu, fb.cpu))
        }
    }

    func testGroupNorm32() {
        for (c, h) in [(64, 64), (128, 32), (256, 16)] {
            let x = randomTensor([8, c, h, h], seed: 1)
            let w = randomTensor([c], seed: 2), b = randomTensor([c], seed: 3)
            let gy = randomTensor([8, c, h, h], seed: 4)
            let (f, fb) = timeForwardBackward([x, w, b], gy: gy) { groupNorm(x, groups: 32, weight: w, bias: b) }
            print(String(format: "groupNorm(32) on (8,%d,%d,%d): forward %.3f ms, forward+backward %.3f ms", c, h, h, f.wall, fb.wall))
        }
    }

    func testLayerNorm() {
        // Conformer blocks: (B, T, C) = (8, 500, 256), normalised over C.
        let x = randomTensor([8, 500, 256], seed: 1), w = randomTensor([256], seed: 2), b = randomTensor([256], seed: 3)
        let gy = randomTensor([8, 500, 256], seed: 4)
        let (f, fb) = timeForwardBackward([x, w, b], gy: gy) { layerNorm(x, weight: w, bias: b) }
        print(String(format: "layerNorm on (8,500,256): forward %.3f ms, forward+backward %.3f ms", f.wall, fb.wall))
    }

    func testDepthwiseConv1d() {
        // Conformer conv module: (B, C, T) = (8, 256, 500), kernel 31, same padding.
        let x = randomTensor([8, 256, 500], seed: 1), w = randomTensor([256, 1, 31], seed: 2), b = randomTensor([256], seed: 3)
        let gy = randomTensor([8, 256, 500], seed: 4)
        let (f, fb) = timeForwardBackward([x, w, b], gy: gy) { conv1d(x, w, bias: b, padding: 15, groups: 256) }
        print(String(format: "depthwise conv1d k31 on (8,256,500): forward %.3f ms, forward+backward %.3f ms", f.wall, fb.wall))
    }
}
