import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

/// Speech configurations read from a file are checked before anything is allocated: no
/// division by zero, no huge allocation, an error naming the file and the key.
final class SpeechConfigValidationTests: XCTestCase {
    func testBadSpeechToLatentSettingsNameTheirKey() {
        func expect(_ key: String, _ change: (inout SpeechToLatentConfig) -> Void, line: UInt = #line) {
            var config = SpeechToLatentConfig.tiny()
            change(&config)
            XCTAssertThrowsError(try config.validate(), line: line) { error in
                XCTAssertTrue("\(error)".contains("'\(key)'"), "\(error)", line: line)
            }
        }
        XCTAssertNoThrow(try SpeechToLatentConfig.tiny().validate())
        expect("heads") { $0.heads = 0 }
        expect("heads") { $0.heads = 3 }
        expect("dimension") { $0.dimension = 1 << 40 }
        expect("feedForward") { $0.feedForward = 1 << 40 }
        expect("featureDimension") { $0.featureDimension = 0 }
        expect("encoderBlocks") { $0.encoderBlocks = 1_000_000 }
        expect("kernelSize") { $0.kernelSize = -3 }
        expect("latentDimension") { $0.latentDimension = 0 }
        expect("frameRate") { $0.frameRate = 0 }
        expect("windowSeconds") { $0.windowSeconds = .infinity }
        expect("windowSeconds") { $0.windowSeconds = .nan }
        expect("poseLossWeight") { $0.poseLossWeight = .nan }
    }

    func testACheckpointWithABadSpeechConfigNamesFileAndKey() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("s2l.h5")
        var config = SpeechToLatentConfig.tiny()
        config.heads = 0
        try TensorFile.write([:], attributes: ["config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)], to: url)
        XCTAssertThrowsError(try Checkpoint.config(SpeechToLatentConfig.self, from: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("'heads'"), "\(error)")
        }
    }

    func testBadSpeechEncoderConfigurationNamesTheFileAndTheSetting() throws {
        let directory = try TemporaryDirectory()
        for (json, setting) in [("{\"hidden_size\": 1000000000}", "hidden_size"), ("{\"num_attention_heads\": 0}", "heads"),
                                ("{\"conv_kernel\": [10, 0, 3, 3, 3, 2, 2]}", "conv_kernel"),
                                ("{\"conv_stride\": [5, 2, 2, 2, 2, 2, -2]}", "conv_stride"),
                                ("{\"num_hidden_layers\": -1}", "num_hidden_layers"), ("{\"intermediate_size\": 0}", "intermediate_size")] {
            let url = directory.file("config.json")
            try Data(json.utf8).write(to: url)
            XCTAssertThrowsError(try SpeechEncoderConfiguration.read(url)) { error in
                XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains(setting), "\(error)")
            }
        }
    }
}
