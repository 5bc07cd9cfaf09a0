import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

final class SpeechFrontEndTests: XCTestCase {
    func testLogMelIsTheDefaultAt100Hz() throws {
        let frontEnd = try SpeechFeatures.logMel.makeFrontEnd()
        XCTAssertEqual(frontEnd.frameRate, 100)
        XCTAssertEqual(frontEnd.layerCount, 1)
        let features = try frontEnd.features(ofFile: SpeechFixtures.speechClip)
        let clip = try AudioFile.read(SpeechFixtures.speechClip)
        XCTAssertEqual(features.shape, [1, 1 + clip.samples.count / 160, 80])
    }

    /// The checkpoint front end normalises the waveform like transformers'
    /// Wav2Vec2FeatureExtractor and returns every hidden state as (1, T, C).
    func testWav2Vec2FrontEndMatchesTransformersPipeline() throws {
        let directory = SpeechFixtures.url("wav2vec2_group")
        let frontEnd = try SpeechFeatures.wav2vec2(directory: directory).makeFrontEnd()
        let goldens = try SafeTensors.read(directory.appendingPathComponent("goldens.safetensors"))
        XCTAssertEqual(frontEnd.layerCount, 3)
        XCTAssertEqual(frontEnd.channels, 32)
        XCTAssertEqual(frontEnd.frameRate, 800)  // the tiny extractor's strides 5·2·2 = 20 samples
        let layers = try frontEnd.layers(of: try XCTUnwrap(goldens["input"]).values)
        for (i, layer) in layers.enumerated() {
            let expected = try XCTUnwrap(goldens["front_end.hidden_states.\(i)"])
            let scale = expected.values.reduce(0) { max($0, abs($1)) }
            assertClose(layer.reshaped(expected.shape), expected, rtol: 1e-4, atol: 1e-5 * scale, "front end state \(i)")
        }

        // From a file (0.3 s of the clip, so the test stays fast in debug builds).
        var clip = try AudioFile.read(SpeechFixtures.speechClip)
        clip.samples = Array(clip.samples[16000..<20800])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("front-end-\(UUID()).wav")
        defer { try? FileManager.default.removeItem(at: file) }
        try AudioFile.write(clip, to: file)
        let mixed = try frontEnd.features(ofFile: file, mixing: LayerWeightedSum(layers: 3))
        let configuration = try SpeechEncoderConfiguration.read(directory.appendingPathComponent("config.json"))
        XCTAssertEqual(mixed.shape, [1, configuration.frameCount(samples: clip.samples.count), 32])
    }

    func testTooShortAudioIsAnError() throws {
        let frontEnd = try SpeechFeatures.wav2vec2(directory: SpeechFixtures.url("hubert_layer")).makeFrontEnd()
        XCTAssertThrowsError(try frontEnd.layers(of: [0.1, 0.2, 0.3]))
        XCTAssertThrowsError(try SpeechFeatures.logMel.makeFrontEnd().layers(of: [0.1, 0.2, 0.3]))
    }
}
