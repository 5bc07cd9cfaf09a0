import DiffusionAutoencoder
import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import Disentanglement
import TestSupport

/// `dae train --split`: the latent-split pressures inside the trainer (the data sets serve as
/// speaker ids), its extra files, and resume.
final class DAESplitTrainingTests: XCTestCase {
    private func options(_ data: [URL], steps: Int) -> DAETrainingOptions {
        var options = DAETrainingOptions(data: data.map(\.path), preset: .tiny, steps: steps, warmupSteps: 2)
        options.batchSize = 6
        options.learningRate = 1e-3
        options.emaDecay = 0.9
        options.checkpointEvery = 100
        options.seed = 3
        options.gapSeconds = 0.2
        options.latentSplit = LatentSplit(id: 8, pose: 8, expression: 16)  // tiny's z_sem is 32 wide
        // Every pressure on, the linear adversaries too (they start after 20 batches).
        options.latentSplitWeights = LatentSplitWeights(poseLeak: 1, speakerLeak: 1, poseResidual: 1, poseReadout: 1)
        options.latentSplitErasure = true  // z_exp's erasure too (warm after 20 batches)
        return options
    }

    private func twoSpeakers(_ scratch: TemporaryDirectory) throws -> [URL] {
        let data = [scratch.file("speaker_a"), scratch.file("speaker_b")]
        // Different lengths, so the two speakers' training frames differ on average.
        for (url, count) in zip(data, [30, 40]) { try DAETestData.write(to: url, count: count) }
        return data
    }

    /// The saved encoder emits the erased z_exp (the EMA encoder's, through the run's erasure),
    /// saving leaves the training weights as they were, and the calibration then leaves z_exp
    /// no covariance with pose or speaker on the training frames.
    func testErasureIsFoldedIntoTheSavedModelAndCalibrationMakesItExact() throws {
        let scratch = try TemporaryDirectory()
        let data = try twoSpeakers(scratch)
        let settings = options(data, steps: 24)
        let trainer = try DAETrainer(options: settings, run: scratch.file("erased"))
        try trainer.train()
        let split = try XCTUnwrap(settings.latentSplit)
        let erasure = try XCTUnwrap(trainer.splitLoss?.expressionErasure?.projection(), "warm after 20 batches")
        let x = try trainer.frames.batch([0, 1, 2, trainer.frames.count - 1], flipped: nil)
        let expected = try XCTUnwrap(trainer.loop.ema).withAveragedWeights(in: trainer.loop.model) { () -> Tensor in
            let parts = split.parts(of: trainer.model.eval().encode(x))
            return split.join(id: parts.id, pose: parts.pose, expression: erasure(parts.expression))
        }
        let saved = try DiffAE.load(checkpoint: trainer.modelURL)
        for (a, b) in zip(saved.encode(x).values, expected.values) { XCTAssertEqual(a, b, accuracy: 1e-3 * Swift.max(1, abs(b))) }
        let bits = { try TensorFile.read(trainer.modelURL).tensors.mapValues { $0.values.map(\.bitPattern) } }
        let first = try bits()
        try trainer.saveModel()
        XCTAssertEqual(try bits(), first, "saving twice writes the same model: the fold was undone after the first")

        // The leak: per label, ‖Σ_uy‖ / (‖std u‖ · std y) over the training frames.
        let datasets = try data.map { try SpeakerDataset(at: $0) }
        func leak(_ model: DiffAE) throws -> [Double] {
            var z: [[Double]] = [], y: [[Double]] = []
            for (s, ds) in datasets.enumerated() {
                let frames = Array(ds.split(heldOutFraction: settings.heldOutFraction, gapSeconds: settings.gapSeconds).train)
                let encoded = model.encode(Tensor(images: try frames.map { try ds.frame($0, size: 32) }))
                for (k, f) in frames.enumerated() {
                    z.append((split.expressionRange).map { Double(encoded.values[k * split.total + $0]) })
                    y.append([Double(ds.pose!.yaw[f]), Double(s)])
                }
            }
            let n = Double(z.count)
            let zMean = (0..<split.expression).map { c in z.reduce(0) { $0 + $1[c] } / n }
            let spread = (0..<split.expression).reduce(0.0) { acc, c in acc + z.reduce(0) { $0 + pow($1[c] - zMean[c], 2) } / n }.squareRoot()
            return (0..<2).map { k in
                let yMean = y.reduce(0) { $0 + $1[k] } / n
                let yStd = (y.reduce(0) { $0 + pow($1[k] - yMean, 2) } / n).squareRoot()
                let cross = (0..<split.expression).map { c in zip(z, y).reduce(0) { $0 + ($1.0[c] - zMean[c]) * ($1.1[k] - yMean) } / n }
                return cross.reduce(0) { $0 + $1 * $1 }.squareRoot() / (spread * yStd)
            }
        }
        let before = try leak(saved)
        let result = try SplitErasureCalibration.calibrate(model: saved, datasets: datasets, split: split,
                                                          heldOutFraction: settings.heldOutFraction, gapSeconds: settings.gapSeconds)
        XCTAssertEqual(result.directions, 2, "yaw and roll move together here, pitch is 0; one speaker column of two")
        let after = try leak(saved)
        for k in 0..<2 {
            XCTAssertGreaterThan(before[k], 1e-3, "label \(k) leaked before")
            XCTAssertLessThan(after[k], 1e-2 * before[k], "label \(k): \(before[k]) → \(after[k])")
        }
    }

    func testSplitRunWritesItsPoseHeadAndSplitAndResumesBitIdentically() throws {
        let scratch = try TemporaryDirectory()
        let data = try twoSpeakers(scratch)

        let straight = try DAETrainer(options: options(data, steps: 24), run: scratch.file("straight"))
        XCTAssertEqual(try straight.train().step, 24)
        // Batches of 6 from two data sets: the speaker terms, the pose head and (warm after
        // 20 batches) the adversaries all took part.
        XCTAssertTrue(Set(straight.lastSplitTerms.keys).isSuperset(of: ["epsilon", "swap", "id_variance", "speaker_share", "pose",
                                                                         "pose_leak", "speaker_leak", "pose_residual", "pose_readout"]),
                      "\(straight.lastSplitTerms.keys.sorted())")
        XCTAssertEqual(try LatentSplit.read(LatentSplit.sidecar(of: straight.modelURL)), LatentSplit(id: 8, pose: 8, expression: 16))
        let head = try LatentSplitLoss.load(straight.splitLossURL)
        XCTAssertEqual(head.split.pose, 8)
        XCTAssertEqual(try DiffAE.load(checkpoint: straight.modelURL).config, DiffAEPreset.tiny.config, "dae.h5 is a plain DiffAE")

        // Stopped after the adversaries and the erasure warmed up, so their moments must resume exactly.
        let first = try DAETrainer(options: options(data, steps: 24), run: scratch.file("stopped"))
        XCTAssertTrue(try first.train { if $0.step == 21 { first.loop.requestStop() } }.interrupted)
        let resumed = try DAETrainer(options: DAETrainer.resumeOptions(run: scratch.file("stopped")),
                                     run: scratch.file("stopped"), resume: true)
        XCTAssertEqual(resumed.options.latentSplit, LatentSplit(id: 8, pose: 8, expression: 16), "options.json keeps the split")
        XCTAssertEqual(try resumed.train().step, 24)
        func bits(_ url: URL) throws -> [String: [UInt32]] {
            try TensorFile.read(url).tensors.mapValues { $0.values.map(\.bitPattern) }
        }
        XCTAssertEqual(try bits(resumed.modelURL), try bits(straight.modelURL))
        XCTAssertEqual(try bits(resumed.splitLossURL), try bits(straight.splitLossURL))
    }

    func testSplitThatDoesNotFitOrContradictsTheOptionsIsRefused() throws {
        let scratch = try TemporaryDirectory()
        let data = try twoSpeakers(scratch)
        var wrongWidth = options(data, steps: 2)
        wrongWidth.latentSplit = LatentSplit(id: 8, pose: 8, expression: 8)
        XCTAssertThrowsError(try wrongWidth.validate()) { XCTAssertTrue("\($0)".contains("32 channels"), "\($0)") }
        var readsExpression = options(data, steps: 2)
        readsExpression.latentSplitWeights?.expressionReadout = 1
        XCTAssertThrowsError(try DAETrainer(options: readsExpression, run: scratch.file("expression"))) {
            XCTAssertTrue("\($0)".contains("factors.csv"), "\($0)")  // these data sets have factors.h5 only
        }
        var flipped = options(data, steps: 2)
        flipped.horizontalFlip = true
        XCTAssertThrowsError(try flipped.validate()) { XCTAssertTrue("\($0)".contains("flip"), "\($0)") }
    }
}
