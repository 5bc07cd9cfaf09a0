import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

final class LogMelTests: XCTestCase {
    /// torchaudio's MelSpectrogram (+ log with the 1e-6 floor) on the LibriVox clip.
    func testMatchesTorchaudio() throws {
        let expected = try XCTUnwrap(SpeechFixtures.goldens("log_mel.safetensors")["log_mel"])  // (T, 80)
        let clip = try AudioFile.read(SpeechFixtures.speechClip, sampleRate: 16000)
        let features = try LogMelSpectrogram()(clip.samples)
        XCTAssertEqual(features.shape, [1 + clip.samples.count / 160, 80])
        assertClose(features, expected, rtol: 1e-4, atol: 1e-4, "log-mel vs torchaudio")
        print("log-mel vs torchaudio: max |difference| \(maxDifference(features, expected))")
    }

    /// Chunked input of awkward sizes (smaller than a hop, than the start padding, and
    /// larger than the GEMM block) gives the whole-signal frames.
    func testStreamingMatchesWholeSignal() throws {
        var rng = RandomGenerator(seed: 7)
        let samples = (0..<(160 * 700 + 77)).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        let spectrogram = LogMelSpectrogram()
        let whole = try spectrogram(samples)
        for chunk in [1, 150, 199, 1000, 100_000] {
            let stream = LogMelStream(spectrogram)
            var frames: [Float] = []
            var start = 0
            while start < samples.count {
                let end = min(samples.count, start + chunk)
                frames += stream.append(Array(samples[start..<end])).values
                start = end
            }
            frames += try stream.finish().values
            XCTAssertEqual(frames.count, whole.count, "chunk \(chunk)")
            guard frames.count == whole.count else { continue }
            // Not bitwise: BLAS may round a frame differently when the GEMM has another row count.
            assertClose(Tensor(shape: whole.shape, values: frames), whole, rtol: 1e-4, atol: 1e-4, "chunk \(chunk)")
        }
    }

    /// The file API streams through AudioStream and gives the in-memory result.
    func testFileFeaturesMatchInMemory() throws {
        let spectrogram = LogMelSpectrogram()
        let clip = try AudioFile.read(SpeechFixtures.speechClip, sampleRate: 16000)
        let fromFile = try spectrogram.features(ofFile: SpeechFixtures.speechClip)
        let inMemory = try spectrogram(clip.samples)
        XCTAssertEqual(fromFile.shape, [1] + inMemory.shape)
        // Float32 DFT rounding of quiet bands differs with the GEMM's row count: the same
        // tolerance as against torchaudio.
        assertClose(fromFile.reshaped(inMemory.shape), inMemory, rtol: 1e-4, atol: 1e-4, "file vs in-memory")
    }

    func testTooShortAudioThrows() {
        XCTAssertThrowsError(try LogMelSpectrogram()([Float](repeating: 0.1, count: 200)))
        let stream = LogMelStream()
        XCTAssertEqual(stream.append([Float](repeating: 0.1, count: 150)).shape, [0, 80])
        XCTAssertThrowsError(try stream.finish())
        XCTAssertEqual(try LogMelSpectrogram()([Float](repeating: 0.1, count: 201)).shape, [2, 80])
    }

    func testSilenceHitsTheFloor() throws {
        let features = try LogMelSpectrogram()([Float](repeating: 0, count: 1600))
        XCTAssertEqual(features.shape, [11, 80])
        for v in features.values { XCTAssertEqual(v, log(1e-6), accuracy: 1e-5) }
    }
}
