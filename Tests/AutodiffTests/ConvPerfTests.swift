@testable import Autodiff
import Foundation
import XCTest

/// Timings of the benchmark shapes; skipped unless TF_PERF=1 (run in release:
/// `TF_PERF=1 swift test -c release --filter AutodiffTests.ConvPerfTests`).
final class ConvPerfTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
    }

    /// Median wall time in ms of `body` over 5 runs after 2 warm-ups, and the median
    /// process CPU time (all threads) in ms: on a shared, loaded machine CPU time / cores
    /// is the better guide to what the code costs.
    func medianMilliseconds(_ body: () -> Void) -> Double {
        let (wall, cpu) = medianTimes(body)
        lastCPUMilliseconds = cpu
        return wall
    }
    var lastCPUMilliseconds = 0.0

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

    func testConv2d3x3() {
        for (c, h) in [(64, 64), (128, 32), (256, 16)] {
            let x = randomTensor([8, c, h, h], seed: 1)
            let w = randomTensor([c, c, 3, 3], seed: 2, in: -0.05...0.05)
            let b = randomTensor([c], seed: 3)
            let gy = randomTensor([8, c, h, h], seed: 4)
            let gflop = 2.0 * 8 * Double(c * h * h) * Double(c * 9) / 1e9
            let forward = medianMilliseconds { _ = withoutGradients { conv2d(x, w, bias: b, padding: 1) } }
            let forwardCPU = lastCPUMilliseconds
            for t in [x, w, b] { t.requiresGrad = true }
            let both = medianMilliseconds {
                for t in [x, w, b] { t.grad = nil }
                conv2d(x, w, bias: b, padding: 1).backward(gradient: gy)
            }
            let bothCPU = lastCPUMilliseconds
            for t in [x, w, b] { t.requiresGrad = false; t.grad = nil }
            print(String(format: "conv2d 3x3 %d→%d on (8,%d,%d,%d): forward %.2f ms (%.1f GFLOP/s), forward+backward %.2f ms (%.1f GFLOP/s); CPU time forward %.1f ms, forward+backward %.1f ms",
                         c, c, c, h, h, forward, gflop / forward * 1e3, both, 3 * gflop / both * 1e3, forwardCPU, bothCPU))
        }
    }

    func testIm2colShare() {
        let g = ConvGeometry(input: [8, 64, 64, 64], weight: [64, 64, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1)
        let x = randomTensor([1, 64, 64, 64], seed: 1)
        let col = Tensor(uninitializedShape: [g.patchSize, g.outPlane])
        let t = medianMilliseconds { im2col(x.pointer, channels: 64, g, rows: 0..<64, into: col.pointer) }
        let t2 = medianMilliseconds { col2im(col.pointer, channels: 64, g, rows: 0..<64, addingInto: x.pointer) }
        print(String(format: "im2col one image (64,64,64) 3x3: %.2f ms, col2im %.2f ms", t, t2))
    }

    func testGroupNorm32() {
        for (c, h) in [(64, 64), (128, 32), (256, 16)] {
            let x = randomTensor([8, c, h, h], seed: 1)
            let w = randomTensor([c], seed: 2), b = randomTensor([c], seed: 3)
            let gy = randomTensor([8, c, h, h], seed: 4)
            let forward = medianMilliseconds { _ = withoutGradients { groupNorm(x, groups: 32, weight: w, bias: b) } }
            for t in [x, w, b] { t.requiresGrad = true }
            let both = medianMilliseconds {
                for t in [x, w, b] { t.grad = nil }
                groupNorm(x, groups: 32, weight: w, bias: b).backward(gradient: gy)
            }
            for t in [x, w, b] { t.requiresGrad = false; t.grad = nil }
            print(String(format: "groupNorm(32) on (8,%d,%d,%d): forward %.3f ms, forward+backward %.3f ms", c, h, h, forward, both))
        }
    }

    func testDepthwiseConv1d() {
        // Conformer conv module: (B, C, T) = (8, 256, 500), kernel 31, same padding.
        let x = randomTensor([8, 256, 500], seed: 1), w = randomTensor([256, 1, 31], seed: 2), b = randomTensor([256], seed: 3)
        let gy = randomTensor([8, 256, 500], seed: 4)
        let f = medianTimes { _ = withoutGradients { conv1d(x, w, bias: b, padding: 15, groups: 256) } }
        for t in [x, w, b] { t.requiresGrad = true }
        let fb = medianTimes {
            for t in [x, w, b] { t.grad = nil }
            conv1d(x, w, bias: b, padding: 15, groups: 256).backward(gradient: gy)
        }
        for t in [x, w, b] { t.requiresGrad = false; t.grad = nil }
        print(String(format: "depthwise conv1d k31 on (8,256,500): forward %.3f ms, forward+backward %.3f ms", f.wall, fb.wall))
    }

    func testBackwardParts() {
        let g = ConvGeometry(input: [8, 64, 64, 64], weight: [64, 64, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1)
        let x = randomTensor([8, 64, 64, 64], seed: 1)
        let w = randomTensor([64, 64, 3, 3], seed: 2, in: -0.05...0.05)
        let gy = randomTensor([8, 64, 64, 64], seed: 4)
        let gx = Tensor(uninitializedShape: x.shape), gw = Tensor(uninitializedShape: w.shape), gb = Tensor(uninitializedShape: [64])
        let a = medianTimes { ConvGEMM.backward(x: x.pointer, weight: w.pointer, gy: gy.pointer, g, gx: nil, gw: gw.pointer) }
        let b = medianTimes { ConvGEMM.backward(x: x.pointer, weight: w.pointer, gy: gy.pointer, g, gx: gx.pointer, gw: nil) }
        let c = medianTimes { ConvGEMM.biasGradient(gy: gy.pointer, batch: 8, channels: 64, plane: 4096, into: gb.pointer) }
        print(String(format: "backward parts: weight grad wall %.1f cpu %.1f; input grad wall %.1f cpu %.1f; bias grad wall %.1f cpu %.1f ms", a.wall, a.cpu, b.wall, b.cpu, c.wall, c.cpu))
    }
}
