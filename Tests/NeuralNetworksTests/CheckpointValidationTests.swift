import Autodiff
import Foundation
import MediaIO
import NeuralNetworks
import XCTest
import TestSupport

/// A configuration that checks itself: `width` must be in 1…64.
private struct CheckedConfig: Codable, ValidatableConfig {
    var width: Int
    func validate() throws {
        guard (1...64).contains(width) else { throw ConfigError(key: "width", "\(width) must be in 1…64") }
    }
}

private final class Pair: Module {
    let weight = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
    let bias = Tensor(shape: [2], values: [0.5, -0.5])
}

final class CheckpointValidationTests: XCTestCase {
    private let directory = try! TemporaryDirectory()

    func testAConfigIsCheckedWhenReadAndTheErrorNamesFileAndKey() throws {
        let url = directory.file("config.h5")
        try Checkpoint.save(module: Pair(), config: CheckedConfig(width: 8), to: url)
        XCTAssertEqual(try Checkpoint.config(CheckedConfig.self, from: url).width, 8)
        try Checkpoint.save(module: Pair(), config: CheckedConfig(width: 0), to: url)
        XCTAssertThrowsError(try Checkpoint.config(CheckedConfig.self, from: url)) { error in
            XCTAssertTrue(error is CheckpointError, "\(error)")
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("'width': 0 must be in 1…64"), "\(error)")
        }
    }

    func testNonFiniteWeightsAreRefusedOnLoadNamingFileAndKey() throws {
        let url = directory.file("weights.h5")
        try Checkpoint.save(module: Pair(), config: CheckedConfig(width: 8), to: url)
        let target = Pair()
        target.weight.pointer[0] = 9
        try Checkpoint.load(into: target, from: url)
        XCTAssertEqual(target.weight.values, [1, 2, 3, 4])

        for bad in [Float.nan, .infinity, -.infinity] {
            let source = Pair()
            source.bias.pointer[1] = bad
            try Checkpoint.save(module: source, config: CheckedConfig(width: 8), to: url)
            let untouched = Pair()
            XCTAssertThrowsError(try Checkpoint.load(into: untouched, from: url)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(url.path) && message.contains("'bias'") && message.contains("finite"), message)
            }
            XCTAssertEqual(untouched.bias.values, [0.5, -0.5], "nothing loaded")
        }
    }
}
