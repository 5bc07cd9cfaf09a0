import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

/// Hidden states of tiny random Wav2Vec2 / HuBERT checkpoints vs transformers
/// (`output_hidden_states=True`), written by make_speech_goldens.py. The four fixtures
/// cover: group-norm extractor + post-LN and layer-norm extractor + stable layer norm, for
/// both model types; parametrized and legacy (`weight_g`/`weight_v`) weight-norm keys; and
/// a task checkpoint (Wav2Vec2ForCTC) whose keys carry the "wav2vec2." prefix and a head.
final class SpeechEncoderTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = SpeechFixtures.url(name)
        let encoder = try SpeechEncoder(directory: directory)
        let goldens = try SafeTensors.read(directory.appendingPathComponent("goldens.safetensors"))
        let input = try XCTUnwrap(goldens["input"])
        let output = encoder(input.reshaped([1, input.count]))
        XCTAssertEqual(output.hiddenStates.count, encoder.stateCount, file: file, line: line)
        let names = output.hiddenStates.indices.map { "hidden_states.\($0)" } + ["last_hidden_state"]
        var worst: Float = 0  // largest |difference| relative to the state's largest magnitude
        for (key, state) in zip(names, output.hiddenStates + [output.lastHiddenState]) {
            let expected = try XCTUnwrap(goldens[key])  // (T, D)
            XCTAssertEqual(state.shape, [1] + expected.shape, "\(name) \(key)", file: file, line: line)
            let scale = expected.values.reduce(0) { max($0, abs($1)) }
            assertClose(state.reshaped(expected.shape), expected, rtol: 1e-4, atol: 1e-5 * scale,
                        "\(name) \(key)", file: file, line: line)
            worst = max(worst, maxDifference(state.reshaped(expected.shape), expected) / scale)
        }
        print("\(name): max |difference| / max |value| over all states: \(worst)")
    }

    func testWav2Vec2GroupNormPostLN() throws { try check("wav2vec2_group") }
    func testWav2Vec2LayerNormStableLayerNormWithTaskPrefix() throws { try check("wav2vec2_layer") }
    func testHubertGroupNormLegacyWeightNormKeys() throws { try check("hubert_group") }
    func testHubertLayerNormStableLayerNorm() throws { try check("hubert_layer") }

    func testFrameCountMatchesConvArithmetic() throws {
        let configuration = try SpeechEncoderConfiguration.read(SpeechFixtures.url("wav2vec2_group/config.json"))
        XCTAssertEqual(configuration.frameCount(samples: 2000), 99)  // (2000−10)/5+1 = 399 → 199 → 99
        XCTAssertEqual(SpeechEncoderConfiguration().frameCount(samples: 160_000), 499)  // wav2vec2-base, 10 s
        XCTAssertEqual(SpeechEncoderConfiguration().samplesPerFrame, 320)
    }

    func testMissingAndMismatchedWeightsAreClearErrors() throws {
        let source = SpeechFixtures.url("wav2vec2_group")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("speech-encoder-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertThrowsError(try SpeechEncoder(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("config.json"), "\(error)")
        }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        var weights = try SafeTensors.read(source.appendingPathComponent("model.safetensors"))
        weights["encoder.layers.1.feed_forward.output_dense.weight"] = nil
        weights["encoder.layer_norm.bias"] = Tensor.zeros([7])
        try SafeTensors.write(weights, to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try SpeechEncoder(directory: directory)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("encoder.layers.1.feed_forward.output_dense.weight"), message)
            XCTAssertTrue(message.contains("encoder.layer_norm.bias"), message)
            XCTAssertTrue(message.contains("model.safetensors"), message)
        }
    }

    func testUnsupportedConfigurationIsAClearError() throws {
        var configuration = SpeechEncoderConfiguration()
        configuration.hiddenAct = "gelu_new"
        configuration.numAttentionHeads = 5
        var rng = RandomGenerator(seed: 1)
        XCTAssertThrowsError(try SpeechEncoder(configuration, rng: &rng)) { error in
            XCTAssertTrue("\(error)".contains("gelu_new") && "\(error)".contains("5 heads"), "\(error)")
        }
    }
}
