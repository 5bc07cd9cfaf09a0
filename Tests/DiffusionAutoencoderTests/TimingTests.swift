import DiffusionAutoencoder
import Foundation
import XCTest

/// Timings of the `cpu64` preset. Skipped unless TF_PERF=1; run in release:
/// `TF_PERF=1 swift test -c release -Xswiftc -enable-testing --filter DiffusionAutoencoderTests.TimingTests`.
/// A quick check while tuning, not the project benchmark (Benchmarks/ compares against PyTorch).
final class TimingTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
    }

    /// Median wall time in seconds over `runs` runs after one warm-up.
    func medianSeconds(runs: Int = 3, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[runs / 2]
    }

    /// Six UNet forwards and nothing else, to run under a profiler:
    /// `TF_PERF=1 perf record -g .build/release/TalkingFacePackageTests.xctest DiffusionAutoencoderTests.TimingTests/testCPU64ForwardsForProfiling`
    func testCPU64ForwardsForProfiling() throws {
        let model = DiffAE(preset: .cpu64, seed: 1).eval()
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([8, 3, 64, 64], in: -1...1, using: &rng)
        let zSem = model.encode(x)
        for _ in 0..<6 { _ = withoutGradients { model.predictNoise(x, timesteps: Array(repeating: 500, count: 8), zSem: zSem) } }
    }

    func testCPU64Timings() {
        let model = DiffAE(preset: .cpu64, seed: 1)
        let (unet, encoder) = model.parameterCounts
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([8, 3, 64, 64], in: -1...1, using: &rng)
        let zSem = model.encode(x)
        model.eval()
        let forward = medianSeconds {
            _ = withoutGradients { model.predictNoise(x, timesteps: Array(repeating: 500, count: 8), zSem: zSem) }
        }
        let encode = medianSeconds { _ = model.encode(x) }
        model.train()
        let step = medianSeconds {
            model.zeroGrad()
            model.loss(x0: x, rng: &rng).backward()
        }
        model.zeroGrad()
        let decode = medianSeconds(runs: 1) { _ = model.decode(zSem, noise: x, steps: 20) }
        print(String(format: "cpu64 (%.2fM UNet + %.2fM encoder) batch 8: UNet forward %.3f s, encoder forward %.3f s, training step (encoder+UNet forward+backward) %.3f s, 20-step decode %.2f s = %.1f frames/s",
                     Double(unet) / 1e6, Double(encoder) / 1e6, forward, encode, step, decode, 8 / decode))
    }

    /// DiffAE ffhq64 UNet forward at batch 1 (the benchmark's first workload).
    func testFFHQ64ForwardBatch1() {
        let model = DiffAE(preset: .ffhq64, seed: 1).eval()
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([1, 3, 64, 64], in: -1...1, using: &rng)
        let zSem = model.encode(x)
        let forward = medianSeconds(runs: Int(ProcessInfo.processInfo.environment["TF_PERF_RUNS"] ?? "5") ?? 5) {
            _ = withoutGradients { model.predictNoise(x, timesteps: [500], zSem: zSem) }
        }
        print(String(format: "ffhq64 UNet forward batch 1: %.3f s", forward))
    }
}
