import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest

final class SpeechToLatentModelTests: XCTestCase {
    func testDiffDubDefaultsAndValidation() throws {
        let config = SpeechToLatentConfig.diffDub()
        XCTAssertEqual([config.dimension, config.heads, config.feedForward, config.kernelSize, config.encoderBlocks, config.decoderBlocks],
                       [512, 2, 512, 13, 4, 4])
        XCTAssertEqual(config.dropout, 0.2)
        XCTAssertEqual(config.windowFrames, 250)
        XCTAssertEqual(config.stride, 4)
        XCTAssertEqual(SpeechToLatentConfig.diffDub(featureDimension: 768, featureRate: 50).stride, 2)
        XCTAssertNoThrow(try config.validate())
        XCTAssertNoThrow(try SpeechToLatentConfig.cpu().validate())
        var bad = config
        bad.featureRate = 90
        XCTAssertThrowsError(try SpeechToLatentModel(config: bad)) { XCTAssertTrue("\($0)".contains("'featureRate': 90"), "\($0)") }
        bad = config
        bad.kernelSize = 12
        XCTAssertThrowsError(try bad.validate())
    }

    func testShapesAtBothFeatureRates() throws {
        for (rate, featureFrames) in [(100, 103), (50, 51)] {
            let model = try SpeechToLatentModel(config: .tiny(featureRate: rate))
            let (latents, pose) = model(randomTensor([2, featureFrames, 8], seed: 1))
            XCTAssertEqual(latents.shape, [2, 25, 6], "rate \(rate)")
            XCTAssertEqual(pose.shape, [2, 25, 3], "rate \(rate)")
        }
    }

    func testEspnetKeysInTheModel() throws {
        let keys = Set(try SpeechToLatentModel(config: .tiny()).namedState().map(\.0))
        for key in ["encoders.0.self_attn.pos_bias_u", "encoders.0.feed_forward_macaron.w_1.weight",
                    "decoders.0.conv_module.depthwise_conv.weight", "decoders.0.norm_final.bias",
                    "pose_adaptor.pose_predictor.conv1.weight", "pose_adaptor.pose_projector.weight",
                    "subsampling.weight", "output.weight", "latent_mean", "pose_std"] {
            XCTAssertTrue(keys.contains(key), key)
        }
    }

    /// A sequence padded inside a batch gives the same outputs on its real frames as alone.
    func testPaddedFramesDoNotLeakIntoRealOnes() throws {
        let model = try SpeechToLatentModel(config: .tiny(), seed: 3)
        _ = model(randomTensor([2, 100, 8], seed: 9))  // move BatchNorm's running statistics off their start
        model.eval()
        let short = randomTensor([1, 80, 8], seed: 4)  // 20 frames
        let other = randomTensor([1, 100, 8], seed: 5)
        let padded = concat([concat([short, Tensor.zeros([1, 20, 8])], dim: 1), other], dim: 0)
        let (alone, alonePose) = withoutGradients { model(short) }
        let (batched, batchedPose) = withoutGradients { model(padded, lengths: [20, 25]) }
        XCTAssertLessThanOrEqual(maxDifference(batched.slice(dim: 0, 0..<1).slice(dim: 1, 0..<20), alone), 1e-5)
        XCTAssertLessThanOrEqual(maxDifference(batchedPose.slice(dim: 0, 0..<1).slice(dim: 1, 0..<20), alonePose), 1e-5)
        // Without the mask the padding does leak (so the check above can fail).
        let (unmasked, _) = withoutGradients { model(padded) }
        XCTAssertGreaterThan(maxDifference(unmasked.slice(dim: 0, 0..<1).slice(dim: 1, 0..<20), alone), 1e-3)
    }

    func testLossIgnoresPaddedFramesAndTrainsEveryPart() throws {
        let model = try SpeechToLatentModel(config: .tiny(featureLayers: 3))
        var batch = SpeechToLatentBatch(
            features: randomTensor([2, 3, 100, 8], seed: 1), latents: randomTensor([2, 25, 6], seed: 2),
            pose: randomTensor([2, 25, 3], seed: 3, scale: 10), lengths: [25, 17])
        model.eval()  // BatchNorm and dropout fixed, so two evaluations can be compared
        let before = model.loss(batch).total.item
        let latents = batch.latents.copy(), pose = batch.pose!.copy()
        for t in 17..<25 {  // change only the second sequence's padded frames
            for j in 0..<6 { latents.pointer[(25 + t) * 6 + j] = 100 }
            for j in 0..<3 { pose.pointer[(25 + t) * 3 + j] = -100 }
        }
        (batch.latents, batch.pose) = (latents, pose)
        let losses = model.loss(batch)
        XCTAssertEqual(losses.total.item, before)
        XCTAssertEqual(losses.total.item, losses.latent.item + losses.pose.item, accuracy: 1e-5)

        model.train()
        valueAndGrad(model) { model.loss(batch).total }
        for (key, p) in model.namedTrainableParameters() {
            XCTAssertNotNil(p.grad, "\(key) gets no gradient")
        }
        XCTAssertGreaterThan(model.layerMix!.layerWeights.grad!.values.map(abs).max()!, 0)
    }

    func testLatentStatisticsNormaliseAndRoundTrip() throws {
        let a = Tensor(shape: [2, 3], values: [1, 5, 7, 3, 5, -1])
        let b = Tensor(shape: [1, 1, 3], values: [2, 5, 3])
        let stats = try LatentStatistics(samples: [a, b])
        XCTAssertEqual(stats.mean, [2, 5, 3])
        XCTAssertEqual(stats.std[0], (2.0 / 3.0).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(stats.std[1], 1, "a constant dimension keeps std 1")
        XCTAssertEqual(stats.std[2], (32.0 / 3.0).squareRoot(), accuracy: 1e-5)
        let normalised = stats.normalize(a)
        XCTAssertEqual(normalised.values[1], 0)
        XCTAssertLessThanOrEqual(maxDifference(stats.denormalize(normalised), a), 1e-6)
        XCTAssertThrowsError(try LatentStatistics(samples: [a, Tensor.zeros([2, 4])]))
    }

    func testStatisticsAndWeightsTravelInTheCheckpoint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s2l-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("s2l.h5")

        let model = try SpeechToLatentModel(config: .tiny(), seed: 1)
        model.latentStatistics = LatentStatistics(mean: [1, 2, 3, 4, 5, 6], std: [2, 2, 2, 3, 3, 3])
        model.poseStatistics = LatentStatistics(mean: [0, 5, 0], std: [10, 10, 5])
        try Checkpoint.save(module: model, config: model.config, to: url)

        let restored = try SpeechToLatentModel(config: try Checkpoint.config(SpeechToLatentConfig.self, from: url), seed: 2)
        try Checkpoint.load(into: restored, from: url)
        XCTAssertEqual(restored.latentStatistics, model.latentStatistics)
        XCTAssertEqual(restored.poseStatistics, model.poseStatistics)
        let features = randomTensor([120, 8], seed: 3)
        XCTAssertEqual(try restored.predict(features: features).latents.values, try model.predict(features: features).latents.values)
    }

    func testGivenPoseReplacesThePrediction() throws {
        let model = try SpeechToLatentModel(config: .tiny(), seed: 4)
        model.poseStatistics = LatentStatistics(mean: [0, 0, 0], std: [20, 20, 20])
        let features = randomTensor([100, 8], seed: 6)
        let userPose = randomTensor([25, 3], seed: 7, scale: 20)
        let predicted = try model.predict(features: features)
        let given = try model.predict(features: features, pose: .given(userPose))
        XCTAssertEqual(given.pose.values, userPose.values)
        XCTAssertGreaterThan(maxDifference(given.latents, predicted.latents), 1e-4)
        XCTAssertThrowsError(try model.predict(features: features, pose: .given(Tensor.zeros([10, 3]))))
        XCTAssertThrowsError(try model.predict(features: Tensor.zeros([100, 7])))
        XCTAssertThrowsError(try model.predict(features: Tensor.zeros([3, 8])))
    }
}

extension SpeechToLatentModelTests {
    /// A front end's layers (L tensors (1, T, F)) predict like the same features stacked.
    func testPredictFromFrontEndLayers() throws {
        let model = try SpeechToLatentModel(config: .tiny(featureLayers: 3), seed: 2)
        let layers = (0..<3).map { randomTensor([1, 100, 8], seed: UInt64(10 + $0)) }
        let stacked = concat(layers, dim: 0)  // (3, 100, 8)
        XCTAssertEqual(try model.predict(layers: layers).latents.values, try model.predict(features: stacked).latents.values)
        XCTAssertThrowsError(try model.predict(layers: Array(layers.prefix(2))))

        let single = try SpeechToLatentModel(config: .tiny(), seed: 2)
        let mel = randomTensor([1, 100, 8], seed: 1)
        XCTAssertEqual(try single.predict(layers: [mel]).latents.values, try single.predict(features: mel.reshaped([100, 8])).latents.values)
    }
}
