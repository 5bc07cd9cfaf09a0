@testable import Autodiff
import Foundation
import XCTest

/// Timings of the benchmark shapes; skipped unless TF_PERF=1 (run in release:
/// `TF_PERF=1 swift test -c release --filter AutodiffTests.ConvPerfTests`).
final class ConvPerfTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
    }

    /// Median wall time in ms of `body` over 5 runs after 2 warm-ups.
    func medianMilliseconds(_ body: () -> Void) -> Double {
        body(); body()
        var times: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[2]
    }

    func testConv2d3x3() {
        for (c, h) in [(64, 64), (128, 32), (256, 16)] {
            let x = randomTensor([8, c, h, h], seed: 1)
            let w = randomTensor([c, c, 3, 3], seed: 2, in: -0.05...0.05)
            let b = randomTensor([c], seed: 3)
            let gy = randomTensor([8, c, h, h], seed: 4)
            let gflop = 2.0 * 8 * Double(c * h * h) * Double(c * 9) / 1e9
            let forward = medianMilliseconds { _ = withoutGradients { conv2d(x, w, bias: b, padding: 1) } }
            for t in [x, w, b] { t.requiresGrad = true }
            let both = medianMilliseconds {
                for t in [x, w, b] { t.grad = nil }
                conv2d(x, w, bias: b, padding: 1).backward(gradient: gy)
            }
            for t in [x, w, b] { t.requiresGrad = false; t.grad = nil }
            print(String(format: "conv2d 3x3 %d→%d on (8,%d,%d,%d): forward %.2f ms (%.1f GFLOP/s), forward+backward %.2f ms (%.1f GFLOP/s)",
                         c, c, c, h, h, forward, gflop / forward * 1e3, both, 3 * gflop / both * 1e3))
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
}
