import DiffusionAutoencoder
import Foundation
import MediaIO
import TalkingFace
import XCTest
import Disentanglement
import TestSupport

final class DAETrainerTests: XCTestCase {
    private func options(_ data: URL, steps: Int) -> DAETrainingOptions {
        var options = DAETrainingOptions(data: [data.path], preset: .tiny, steps: steps, warmupSteps: 2)
        options.batchSize = 2
        options.learningRate = 1e-3
        options.emaDecay = 0.9
        options.checkpointEvery = 100
        options.seed = 7
        options.gapSeconds = 0.2  // 30 frames: held out 27..<30, gap 5, train 0..<22
        options.horizontalFlip = true  // exercises the flip generator's resume too
        return options
    }

    /// A scratch folder holding the test speaker data set at scratch/speaker.
    private func scratchWithSpeaker() throws -> (TemporaryDirectory, URL) {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"))
        return (scratch, scratch.file("speaker"))
    }

    private func bits(_ state: [(String, Tensor)]) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: state.map { ($0.0, $0.1.values.map(\.bitPattern)) })
    }
    private func bits(_ state: [String: Tensor]) -> [String: [UInt32]] { bits(state.map { ($0.key, $0.value) }) }

    private func losses(_ csv: URL) throws -> [String] {
        try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0...1].joined(separator: ",") }
    }

    func testSplitKeepsHeldOutFramesOutOfTraining() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"))
        let trainer = try DAETrainer(options: options(scratch.file("speaker"), steps: 4), run: scratch.file("run"))
        XCTAssertEqual(trainer.frames.count, 22)
        XCTAssertEqual(trainer.frames.spans[0].frames, 0..<22)
        XCTAssertTrue(trainer.frames.isCached)
        XCTAssertEqual(trainer.options.trainingFrames, 22)
    }

    func testInterruptedAndResumedTrainingIsBitIdenticalToUninterrupted() throws {
        let (scratch, data) = try scratchWithSpeaker()

        let straight = try DAETrainer(options: options(data, steps: 6), run: scratch.file("straight"))
        XCTAssertEqual(try straight.train().step, 6)

        let first = try DAETrainer(options: options(data, steps: 6), run: scratch.file("stopped"))
        let stopped = try first.train { if $0.step == 3 { first.loop.requestStop() } }
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.step, 4)
        XCTAssertThrowsError(try DAETrainer(options: options(data, steps: 6), run: scratch.file("stopped"))) {
            XCTAssertTrue("\($0)".contains("--resume"), "\($0)")
        }

        // Resumed with frames read from disk each step instead of the cache: same batches.
        let resumed = try DAETrainer(options: DAETrainer.resumeOptions(run: scratch.file("stopped")), run: scratch.file("stopped"),
                                     resume: true, memoryBudget: 0)
        XCTAssertFalse(resumed.frames.isCached)
        XCTAssertEqual(resumed.loop.step, 4)
        XCTAssertEqual(try resumed.train().step, 6)

        XCTAssertEqual(bits(resumed.model.namedState()), bits(straight.model.namedState()))
        XCTAssertEqual(bits(resumed.loop.ema!.average), bits(straight.loop.ema!.average))
        XCTAssertEqual(bits(try TensorFile.read(resumed.modelURL).tensors), bits(try TensorFile.read(straight.modelURL).tensors),
                       "dae.h5 (EMA weights)")
        XCTAssertEqual(try losses(resumed.logURL), try losses(straight.logURL))
        XCTAssertEqual(try losses(straight.logURL).count, 6)
    }

    func testAFewStepsLowerTheLoss() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 8)
        settings.batchSize = 2
        settings.learningRate = 3e-3
        settings.horizontalFlip = false
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        let batch = try trainer.frames.batch(Array(0..<8))  // loss 1.00 → 0.15 in 12 steps at batch 4

        // The ε loss on fixed frames, time steps and noise, without dropout.
        func heldLoss() -> Float {
            trainer.model.eval()
            defer { trainer.model.train() }
            var rng = RandomGenerator(seed: 11)
            return withoutGradients { (0..<4).map { _ in trainer.model.loss(x0: batch, rng: &rng).item }.reduce(0, +) / 4 }
        }
        let before = heldLoss()
        XCTAssertEqual(try trainer.train().step, settings.steps)
        let after = heldLoss()
        XCTAssertLessThan(after, 0.7 * before, "loss \(before) → \(after)")

        let saved = try DiffAE.load(checkpoint: trainer.modelURL)
        XCTAssertEqual(saved.config, DiffAEPreset.tiny.config)
    }

    func testVelocityRunTrainsAndSavesAVModel() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 2)
        settings.prediction = .v
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        XCTAssertEqual(trainer.model.config.prediction, .v)
        XCTAssertEqual(try trainer.train().step, 2)
        XCTAssertEqual(try DiffAE.load(checkpoint: trainer.modelURL).config, DiffAEPreset.tiny.config.predicting(.v))
        XCTAssertEqual(try DAETrainer.resumeOptions(run: scratch.file("run")).prediction, .v)

        // Its weights do not start an ε run, and the error says why.
        var epsilonRun = options(data, steps: 2)
        epsilonRun.initialWeights = trainer.modelURL.path
        XCTAssertThrowsError(try DAETrainer(options: epsilonRun, run: scratch.file("eps"))) {
            XCTAssertTrue("\($0)".contains(#""prediction": "v""#), "\($0)")
        }
        // The latent split trains a v-model on its own loss.
        settings.latentSplit = LatentSplit(id: 8, pose: 8, expression: 16)
        settings.horizontalFlip = false
        XCTAssertNoThrow(try settings.validate())
    }

    func testMotionWeightedRunWritesItsMapAndKeepsTheWeightOnResume() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 2)
        settings.motionWeight = 20
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        let weights = try XCTUnwrap(trainer.motionWeighting).pixelWeights.values
        XCTAssertEqual(weights.max()!, 21, accuracy: 1e-5, "the pixels that move most")
        XCTAssertEqual(weights.min()!, 1, accuracy: 0.5, "the still corners")
        XCTAssertEqual(try trainer.train().step, 2)
        XCTAssertEqual(try PNG.read(trainer.motionImageURL).width, 32)
        XCTAssertEqual(try DAETrainer.resumeOptions(run: scratch.file("run"), steps: 3).motionWeight, 20)
        let resumed = try DAETrainer(options: DAETrainer.resumeOptions(run: scratch.file("run"), steps: 3),
                                     run: scratch.file("run"), resume: true)
        XCTAssertEqual(resumed.motionWeighting?.pixelWeights.values, weights)

        settings.latentSplit = LatentSplit(id: 8, pose: 8, expression: 16)
        settings.horizontalFlip = false
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("motion_weight"), "\($0)") }
        settings.latentSplit = nil
        settings.motionWeight = -1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("motion_weight"), "\($0)") }
    }

    func testEncoderRateScaleZeroKeepsTheEncoderWhileTheUNetLearns() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 3)
        settings.encoderRateScale = 0
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        let before = bits(trainer.model.namedParameters())
        try trainer.train()
        let after = bits(trainer.model.namedParameters())
        let moved = Set(after.keys.filter { after[$0] != before[$0] })
        XCTAssertFalse(moved.isEmpty)
        XCTAssertTrue(moved.allSatisfy { !$0.hasPrefix("encoder.") }, "\(moved.filter { $0.hasPrefix("encoder.") })")
        XCTAssertEqual(try DAETrainer.resumeOptions(run: scratch.file("run")).encoderRateScale, 0)
        settings.encoderRateScale = -1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("encoder_lr_scale"), "\($0)") }
    }

    /// --semantic-lr-scale reaches the encoder's output projection alone (0 here: it stays),
    /// ahead of --encoder-lr-scale (which, at 2, must not override it).
    func testSemanticRateScaleReachesTheOutputProjectionOnly() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 8)  // the encoder's gradient waits for DiffAE's zeroed layers to grow
        settings.semanticRateScale = 0
        settings.encoderRateScale = 2
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        let projection = trainer.model.encoder.semanticProjection
        let projectionKeys = Set(trainer.model.namedParameters().filter { $0.1 === projection.weight || $0.1 === projection.bias }.map(\.0))
        XCTAssertEqual(projectionKeys.count, 2)
        let before = bits(trainer.model.namedParameters())
        try trainer.train()
        let after = bits(trainer.model.namedParameters())
        let moved = Set(after.keys.filter { after[$0] != before[$0] })
        XCTAssertTrue(moved.isDisjoint(with: projectionKeys), "\(moved.intersection(projectionKeys))")
        XCTAssertTrue(moved.contains { $0.hasPrefix("encoder.") }, "the rest of the encoder learns")
        XCTAssertEqual(try DAETrainer.resumeOptions(run: scratch.file("run")).semanticRateScale, 0)
        settings.semanticRateScale = -1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("semantic_lr_scale"), "\($0)") }
    }

    func testNonFiniteLossStopsWithTheLastGoodFilesKept() throws {
        let (scratch, data) = try scratchWithSpeaker()
        var settings = options(data, steps: 5)
        settings.learningRate = 1e30  // one step throws every weight to ±1e30; the next loss overflows
        settings.warmupSteps = 0
        settings.checkpointEvery = 1
        let trainer = try DAETrainer(options: settings, run: scratch.file("run"))
        XCTAssertThrowsError(try trainer.train()) { error in
            guard let error = error as? NonFiniteTrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.step, 1)
            XCTAssertEqual(error.lastCheckpointStep, 1)
        }
        let state = try Checkpoint.load(into: DiffAE(preset: .tiny), from: trainer.checkpointURL)
        XCTAssertEqual(state.integers["step"], [1])
        XCTAssertNoThrow(try DiffAE.load(checkpoint: trainer.modelURL))
        XCTAssertEqual(try String(contentsOf: trainer.logURL, encoding: .utf8).split(separator: "\n").count, 2)  // header + step 1
    }
}
