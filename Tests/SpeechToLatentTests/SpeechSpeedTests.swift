import Foundation
import NeuralNetworks
import SpeechToLatent
import XCTest

/// Speed of the speech front ends over 10 s of audio; skipped unless TF_PERF=1. Run in
/// release: `TF_PERF=1 swift test -c release --filter SpeechToLatentTests.SpeechSpeedTests`.
/// The PyTorch twin is Benchmarks/speech_front_end_torch.py.
final class SpeechSpeedTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
    }

    /// Median wall-clock milliseconds of `runs` runs after one warm-up.
    func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[runs / 2]
    }

    func tenSecondsOfNoise() -> [Float] {
        var rng = RandomGenerator(seed: 3)
        return (0..<160_000).map { _ in Float.random(in: -0.3...0.3, using: &rng) }
    }

    func testLogMelTenSeconds() throws {
        let samples = tenSecondsOfNoise()
        let spectrogram = LogMelSpectrogram()
        let ms = try medianMilliseconds(runs: 9) { _ = try spectrogram(samples) }
        print(String(format: "log-mel 80 bins over 10 s (1001 frames): %.2f ms", ms))
    }

    /// wav2vec2-base shape (hidden 768, 12 layers, 12 heads, FFN 3072, 7 conv layers),
    /// random weights, every hidden state.
    func testWav2Vec2BaseTenSeconds() throws {
        var rng = RandomGenerator(seed: 1)
        let encoder = try SpeechEncoder(SpeechEncoderConfiguration(), rng: &rng)
        let waveform = Tensor(shape: [1, 160_000], values: tenSecondsOfNoise())
        var frames = 0
        let ms = medianMilliseconds(runs: 3) { frames = encoder(waveform).hiddenStates[12].size(1) }
        print(String(format: "wav2vec2-base forward over 10 s (%d frames, 13 hidden states): %.1f ms", frames, ms))
        var front = SpeechEncoderConfiguration()
        front.numHiddenLayers = 0  // conv extractor, projection and positional conv only
        let stem = try SpeechEncoder(front, rng: &rng)
        let stemMs = medianMilliseconds(runs: 3) { _ = stem(waveform) }
        print(String(format: "  of which conv extractor + projection + positional conv: %.1f ms", stemMs))
    }
}
