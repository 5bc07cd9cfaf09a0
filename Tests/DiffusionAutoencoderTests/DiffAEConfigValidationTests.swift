import Autodiff
import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import XCTest
import TestSupport

/// A DiffAE configuration read from a file is checked before the model is built: no
/// division by zero, no gigabyte allocation, an error naming the file and the key.
final class DiffAEConfigValidationTests: XCTestCase {
    func testEveryPresetIsValid() throws {
        for preset in DiffAEPreset.allCases { XCTAssertNoThrow(try preset.config.validate(), preset.rawValue) }
    }

    func testBadSettingsNameTheirKey() {
        let tiny = DiffAEPreset.tiny.config
        func expect(_ key: String, _ change: (inout DiffAEConfig) -> Void, line: UInt = #line) {
            var config = tiny
            change(&config)
            XCTAssertThrowsError(try config.validate(), line: line) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)", line: line)
            }
        }
        expect("attentionHeads") { $0.attentionHeads = 0 }
        expect("attentionHeads") { $0.attentionHeads = 3 }  // 32 channels do not split into 3
        expect("channels") { $0.channels = 0 }
        expect("channels") { $0.channels = -32 }
        expect("channels") { $0.channels = 1 << 40 }
        expect("channelMult") { $0.channelMult = [] }
        expect("channelMult") { $0.channelMult = [1, 0] }
        expect("channelMult") { $0.channelMult = [1, 1 << 40] }
        expect("encoderChannelMult") { $0.encoderChannelMult = [1, -2] }
        expect("imageSize") { $0.imageSize = 0 }
        expect("imageSize") { $0.imageSize = 1 << 30 }
        expect("channelMult") { $0.imageSize = 33 }  // two levels need an even side
        expect("zSemChannels") { $0.zSemChannels = 0 }
        expect("zSemChannels") { $0.zSemChannels = 1 << 40 }
        expect("embedChannels") { $0.embedChannels = -1 }
        expect("resBlocks") { $0.resBlocks = 0 }
        expect("attentionResolutions") { $0.attentionResolutions = [16, 0] }
        expect("dropout") { $0.dropout = .nan }
        expect("channels") { $0.channels = 48 }  // GroupNorm's 32 groups do not split 48 channels
        expect("channels") { $0.channels = 2048; $0.channelMult = [1, 1, 1, 1, 1, 1, 1, 1]; $0.encoderChannelMult = [1, 1]; $0.resBlocks = 16; $0.imageSize = 128 }
    }

    func testACheckpointWithABadConfigFailsBeforeBuildingNamingFileAndKey() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("dae.h5")
        var config = DiffAEPreset.tiny.config
        config.attentionHeads = 0
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try TensorFile.write([:], attributes: ["config": json], to: url)
        XCTAssertThrowsError(try DiffAE.load(checkpoint: url)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path) && message.contains("'attentionHeads'"), message)
        }
    }

    func testImportRefusesNonFiniteWeightsNamingFileAndKey() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("weights.safetensors")
        let model = DiffAE(preset: .tiny)
        var tensors = Dictionary(uniqueKeysWithValues: model.namedState().map { ($0.0, $0.1) })
        let key = "encoder.out.3.weight"
        let poisoned = Tensor(shape: tensors[key]!.shape, values: tensors[key]!.values)
        poisoned.pointer[5] = .nan
        tensors[key] = poisoned
        try SafeTensors.write(tensors, to: url)
        XCTAssertThrowsError(try DiffAEImport.load(safetensors: url)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path) && message.contains("'\(key)'") && message.contains("finite"), message)
        }
    }
}
