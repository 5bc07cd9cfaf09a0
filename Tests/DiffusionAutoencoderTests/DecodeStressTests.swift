import Foundation
import XCTest
import DiffusionAutoencoder

/// Race hunting (TF_STRESS=1), as AutodiffTests.ParallelStressTests but for this module's own
/// parallel op and a whole decode: under CPU load, repeated runs must equal the run with
/// `Parallel` serial bit for bit, and frames from identical z_sem and noise must be identical,
/// within a batch and across batches (what GenerationTests' shared-noise test relies on).
final class DecodeStressTests: XCTestCase {
    private let repeats = Int(ProcessInfo.processInfo.environment["TF_STRESS_REPEATS"] ?? "") ?? 10
    private var spinners: [Thread] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_STRESS"] == "1", "set TF_STRESS=1 to hunt races")
        // Busy threads competing for the cores, as other processes do on a loaded machine.
        spinners = (0..<2 * Parallel.coreCount).map { _ in
            Thread {
                var x: UInt64 = 1
                while !Thread.current.isCancelled { for _ in 0..<10_000 { x = x &* 6364136223846793005 &+ 1 } }
                if x == 0 { print("unreachable") }
            }
        }
        spinners.forEach { $0.start() }
    }

    override func tearDown() { spinners.forEach { $0.cancel() } }

    private func assertIdentical(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        guard a.shape == b.shape else { return }
        for i in 0..<a.count where a.pointer[i].bitPattern != b.pointer[i].bitPattern {
            XCTFail("\(what): element \(i) is \(a.pointer[i]), expected \(b.pointer[i])", file: file, line: line)
            return
        }
    }

    func testModulatedSiLURepeatsItsSerialResult() {
        var rng = RandomGenerator(seed: 1)
        let h = Tensor.randn([4, 32, 24, 24], using: &rng)
        let scale = Tensor.randn([4, 32], using: &rng), shift = Tensor.randn([4, 32], using: &rng)
        let reference = Parallel.serially { modulatedSiLU(h, scale: scale, shift: shift) }
        for r in 0..<repeats * 10 {
            assertIdentical(modulatedSiLU(h, scale: scale, shift: shift), reference, "modulatedSiLU, repeat \(r)")
        }
    }

    func testTinyDecodeGivesEqualFramesForEqualInputsUnderLoad() {
        let model = DiffAE(preset: .tiny, seed: 3).eval()
        let (z, size) = (model.config.zSemChannels, model.config.imageSize)
        var rng = RandomGenerator(seed: 5)
        let a = Tensor.randn([1, z], using: &rng), b = Tensor.randn([1, z], using: &rng)
        let zSem = concat([a, a, b, a], dim: 0)  // frames 0, 1, 3 alike
        let x = Tensor.randn([1, 3, size, size], using: &rng)
        let noise = concat(Array(repeating: x, count: 4), dim: 0)
        let frame = { (t: Tensor, n: Int) in t.slice(dim: 0, n..<n + 1) }
        let reference = Parallel.serially { model.decode(zSem, noise: noise, steps: 3, batchSize: 2) }
        for r in 0..<repeats {
            let frames = model.decode(zSem, noise: noise, steps: 3, batchSize: 2)
            assertIdentical(frames, reference, "decode, repeat \(r)")
            assertIdentical(frame(frames, 1), frame(frames, 0), "frame 1 vs 0, repeat \(r)")
            assertIdentical(frame(frames, 3), frame(frames, 0), "frame 3 vs 0 (next batch), repeat \(r)")
        }
    }
}
