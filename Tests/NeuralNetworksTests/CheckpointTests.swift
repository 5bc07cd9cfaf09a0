import Autodiff
import Foundation
import MediaIO
import NeuralNetworks
import XCTest
import TestSupport

private struct TinyConfig: Codable, Equatable {
    var width: Int
    var hiddenLayers: Int
    enum CodingKeys: String, CodingKey {
        case width
        case hiddenLayers = "hidden_layers"
    }
}

private final class TinyLayer: Module {
    let weight: Tensor
    let bias: Tensor
    @Buffer var runningMean: Tensor
    init(width: Int, rng: inout SplitMix64) {
        weight = .testRandom([width, width], using: &rng)
        bias = .testRandom([width], using: &rng)
        runningMean = .testRandom([width], using: &rng)
    }
}

private final class TinyNet: Module {
    let layers: [TinyLayer]
    let head: Tensor
    init(_ config: TinyConfig, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        layers = (0..<config.hiddenLayers).map { _ in TinyLayer(width: config.width, rng: &rng) }
        head = .testRandom([1, config.width], using: &rng)
    }
}

final class CheckpointTests: XCTestCase {
    private let config = TinyConfig(width: 6, hiddenLayers: 2)
    private let directory = try! TemporaryDirectory()

    private func states(_ m: Module) -> [[Float]] { m.namedState().map { $0.1.values } }

    func testFloat32RoundTripIsExactWithConfigAndTrainingState() throws {
        let url = directory.file("tiny.h5")
        let model = TinyNet(config, seed: 1)
        let optimizerState = ["head.exp_avg": Tensor(shape: [2], values: [0.25, -1e-7])]
        let rngWords: [UInt64] = [0xDEAD_BEEF_0123_4567, .max, 0, 42]
        try Checkpoint.save(
            module: model, config: config,
            trainingState: TrainingState(tensors: optimizerState, integers: ["rng": rngWords.map { Int64(bitPattern: $0) }]),
            to: url)

        let readConfig = try Checkpoint.config(TinyConfig.self, from: url)
        XCTAssertEqual(readConfig, config)
        XCTAssertEqual(try TensorFile.readAttributes(url)["config"], #"{"hidden_layers":2,"width":6}"#)
        let restored = TinyNet(readConfig, seed: 2)
        XCTAssertNotEqual(states(restored), states(model))
        let training = try Checkpoint.load(into: restored, from: url)
        XCTAssertEqual(states(restored), states(model))
        XCTAssertEqual(training.tensors["head.exp_avg"]?.values, [0.25, -1e-7])
        XCTAssertEqual(training.integers["rng"]?.map { UInt64(bitPattern: $0) }, rngWords)
    }

    func testFloat16KeepsHalfPrecisionAndRefusesTrainingState() throws {
        let url = directory.file("shipped.h5")
        let model = TinyNet(config, seed: 3)
        try Checkpoint.save(module: model, config: config, to: url, precision: .float16)
        let restored = TinyNet(config, seed: 4)
        try Checkpoint.load(into: restored, from: url)
        for ((key, a), (_, b)) in zip(model.namedState(), restored.namedState()) {
            // float16 has an 11-bit significand: relative rounding error ≤ 2⁻¹¹.
            assertClose(b, a, rtol: 1.0 / 2048, atol: 1e-7, key)
            XCTAssertEqual(b.values, a.values.map { Float(Float16($0)) }, key)
        }
        XCTAssertThrowsError(try Checkpoint.save(
            module: model, config: config, trainingState: TrainingState(integers: ["step": [1]]),
            to: directory.file("bad.h5"), precision: .float16))
    }

    func testMissingKeyOrWrongShapeNamesFileAndKeyAndLoadsNothing() throws {
        let url = directory.file("small.h5")
        try Checkpoint.save(module: TinyNet(TinyConfig(width: 6, hiddenLayers: 1), seed: 5), config: config, to: url)
        let model = TinyNet(config, seed: 6)
        let before = states(model)
        XCTAssertThrowsError(try Checkpoint.load(into: model, from: url)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path), message)
            for key in ["layers.1.weight", "layers.1.bias", "layers.1.running_mean"] {
                XCTAssertTrue(message.contains(key), "\(key) not named: \(message)")
            }
        }
        XCTAssertEqual(states(model), before, "a failed load changed the model")

        let wide = directory.file("wide.h5")
        try Checkpoint.save(module: TinyNet(TinyConfig(width: 7, hiddenLayers: 2), seed: 7), config: config, to: wide)
        XCTAssertThrowsError(try Checkpoint.load(into: model, from: wide)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(wide.path) && message.contains("layers.0.weight") && message.contains("[6, 6]"), message)
        }
        XCTAssertEqual(states(model), before)
    }

    func testTruncatedFileNamesTheFileAndLoadsNothing() throws {
        let url = directory.file("truncated.h5")
        let model = TinyNet(config, seed: 8)
        try Checkpoint.save(module: model, config: config, to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        let target = TinyNet(config, seed: 9)
        let before = states(target)
        XCTAssertThrowsError(try Checkpoint.load(into: target, from: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
        XCTAssertEqual(states(target), before)
        XCTAssertThrowsError(try Checkpoint.load(into: target, from: directory.file("absent.h5"))) { error in
            XCTAssertTrue("\(error)".contains("absent.h5"), "\(error)")
        }
    }
}

/// Training interrupted by a checkpoint continues bit for bit like training that was not.
final class ResumeTests: XCTestCase {
    private let directory = try! TemporaryDirectory()

    private struct Config: Codable { var hidden = 8 }

    private func makeModel(seed: UInt64) -> Sequential {
        var rng = RandomGenerator(seed: seed)
        return Sequential([Linear(4, 8, rng: &rng), SiLU(), Linear(8, 1, rng: &rng)])
    }

    /// One step on a batch drawn from `data` (so the data stream's state matters too).
    private func step(_ model: Sequential, _ optimizer: AdamW, _ data: inout RandomGenerator) {
        let x = Tensor.uniform([16, 4], in: -1...1, using: &data)
        let target = x.sum(dims: [1], keepDims: true)
        valueAndGrad(model) { mseLoss(model(x), target) }
        optimizer.update(model: model)
    }

    func testResumeFromCheckpointIsExact() throws {
        let straight = makeModel(seed: 1), straightOptimizer = AdamW(learningRate: 1e-2)
        var straightData = RandomGenerator(seed: 99)
        for _ in 0..<4 { step(straight, straightOptimizer, &straightData) }

        let first = makeModel(seed: 1), firstOptimizer = AdamW(learningRate: 1e-2)
        var data = RandomGenerator(seed: 99)
        for _ in 0..<2 { step(first, firstOptimizer, &data) }
        var state = TrainingState()
        state.setTensors(firstOptimizer.stateTensors(), prefix: "optimizer")
        state.setGenerator(data, forKey: "data")
        let url = directory.file("resume.h5")
        try Checkpoint.save(module: first, config: Config(), trainingState: state, to: url)

        let resumed = makeModel(seed: 2), resumedOptimizer = AdamW(learningRate: 1e-2)
        let loaded = try Checkpoint.load(into: resumed, from: url)
        try resumedOptimizer.loadState(loaded.tensors(prefix: "optimizer"), for: resumed)
        var resumedData = try XCTUnwrap(loaded.generator(forKey: "data"))
        for _ in 0..<2 { step(resumed, resumedOptimizer, &resumedData) }

        for ((key, a), (_, b)) in zip(straight.namedState(), resumed.namedState()) {
            XCTAssertEqual(a.values, b.values, "\(key) differs after resume")
        }
    }
}
