import DiffusionAutoencoder
import Foundation
import MediaIO
import TalkingFace
import XCTest

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
        return options
    }

    private func twoSpeakers(_ scratch: ScratchFolder) throws -> [URL] {
        let data = [scratch.path("speaker_a"), scratch.path("speaker_b")]
        for url in data { try DAETestData.write(to: url) }
        return data
    }

    func testSplitRunWritesItsPoseHeadAndSplitAndResumesBitIdentically() throws {
        let scratch = try ScratchFolder()
        let data = try twoSpeakers(scratch)

        let straight = try DAETrainer(options: options(data, steps: 24), run: scratch.path("straight"))
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

        // Stopped after the adversaries warmed up, so their moments must resume exactly.
        let first = try DAETrainer(options: options(data, steps: 24), run: scratch.path("stopped"))
        XCTAssertTrue(try first.train { if $0.step == 21 { first.loop.requestStop() } }.interrupted)
        let resumed = try DAETrainer(options: DAETrainer.resumeOptions(run: scratch.path("stopped")),
                                     run: scratch.path("stopped"), resume: true)
        XCTAssertEqual(resumed.options.latentSplit, LatentSplit(id: 8, pose: 8, expression: 16), "options.json keeps the split")
        XCTAssertEqual(try resumed.train().step, 24)
        func bits(_ url: URL) throws -> [String: [UInt32]] {
            try TensorFile.read(url).tensors.mapValues { $0.values.map(\.bitPattern) }
        }
        XCTAssertEqual(try bits(resumed.modelURL), try bits(straight.modelURL))
        XCTAssertEqual(try bits(resumed.splitLossURL), try bits(straight.splitLossURL))
    }

    func testSplitThatDoesNotFitOrContradictsTheOptionsIsRefused() throws {
        let scratch = try ScratchFolder()
        let data = try twoSpeakers(scratch)
        var wrongWidth = options(data, steps: 2)
        wrongWidth.latentSplit = LatentSplit(id: 8, pose: 8, expression: 8)
        XCTAssertThrowsError(try wrongWidth.validate()) { XCTAssertTrue("\($0)".contains("32 channels"), "\($0)") }
        var flipped = options(data, steps: 2)
        flipped.horizontalFlip = true
        XCTAssertThrowsError(try flipped.validate()) { XCTAssertTrue("\($0)".contains("--flip"), "\($0)") }
    }
}
