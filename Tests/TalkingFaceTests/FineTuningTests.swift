import DiffusionAutoencoder
import Foundation
import NeuralNetworks
import TalkingFace
import XCTest

/// `talkingface finetune`'s stages on a tiny untrained base and a 6 s synthetic person.
final class FineTuningTests: XCTestCase {
    private func setUp(_ scratch: ScratchFolder) throws -> FineTuneOptions {
        try Speaker.makeUntrained(preset: .tiny, name: "base", seed: 3, steps: testSteps).write(to: scratch.path("base"))
        try SyntheticSpeaker(index: 4, seed: 7).write(to: scratch.path("person"), seconds: 6, fps: 25, size: 32)
        var options = FineTuneOptions(base: scratch.path("base").path, data: scratch.path("person").path, name: "person")
        options.daeSteps = 3
        options.s2lSteps = 3
        options.batchSize = 2
        options.checkpointEvery = 2
        return options
    }

    func testDAEFineTuningStartsFromTheBaseWeights() throws {
        let scratch = try ScratchFolder()
        _ = try setUp(scratch)
        var options = DAETrainingOptions(data: [scratch.path("person").path], preset: .tiny, steps: 1)
        options.initialWeights = scratch.path("base/dae.h5").path
        let trainer = try DAETrainer(options: options, run: scratch.path("run"))
        let base = try DiffAE.load(checkpoint: scratch.path("base/dae.h5"))
        for ((key, a), (_, b)) in zip(trainer.model.namedParameters(), base.namedParameters()) {
            XCTAssertEqual(a.values, b.values, key)
        }
        options.initialWeights = scratch.path("missing.h5").path
        XCTAssertThrowsError(try DAETrainer(options: options, run: scratch.path("run2"))) { error in
            XCTAssertTrue("\(error)".contains("missing.h5"), "\(error)")
        }
    }

    func testAllStagesWriteABundleAndARerunSkipsThem() throws {
        let scratch = try ScratchFolder()
        let options = try setUp(scratch)
        let out = scratch.path("out")
        var events: [String] = []
        let bundle = try FineTuning(options: options, folder: out).run { event in
            switch event {
            case .started(let stage, _): events.append("start \(stage.rawValue)")
            case .skipped(let stage, _): events.append("skip \(stage.rawValue)")
            default: break
            }
        }
        XCTAssertEqual(events, ["start dae", "start encode", "start s2l", "start bundle"])
        let speaker = try Speaker(bundle: try XCTUnwrap(bundle))
        XCTAssertEqual(speaker.meta.name, "person")
        XCTAssertEqual(speaker.meta.defaultSteps, testSteps)
        let reference = try XCTUnwrap(Int(speaker.meta.madeBy["reference_frame"] ?? ""))
        XCTAssertTrue(try SpeakerDataset(at: scratch.path("person")).split().train.contains(reference))
        // The DAE moved away from the base during its 3 steps.
        let base = try DiffAE.load(checkpoint: scratch.path("base/dae.h5"))
        let moved = zip(speaker.dae.namedParameters(), base.namedParameters()).contains { $0.1.values != $1.1.values }
        XCTAssertTrue(moved)

        events = []
        _ = try FineTuning(options: options, folder: out).run { event in
            if case .skipped(let stage, _) = event { events.append("skip \(stage.rawValue)") }
            if case .started(let stage, _) = event { events.append("start \(stage.rawValue)") }
        }
        XCTAssertEqual(events, ["skip dae", "skip encode", "skip s2l", "start bundle"])
    }

    func testAnInterruptedRunContinuesAndMoreStepsTrainFurther() throws {
        let scratch = try ScratchFolder()
        var options = try setUp(scratch)
        let out = scratch.path("out")
        XCTAssertNil(try FineTuning(options: options, folder: out).run(until: .dae))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("latents.h5").path))
        options.daeSteps = 4
        var steps: [Int] = []
        _ = try FineTuning(options: options, folder: out).run(until: .encode) { event in
            if case .training(.dae, let report) = event { steps.append(report.step) }
        }
        XCTAssertEqual(steps, [4], "continues from step 3")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("latents.h5").path))
    }

    func testOtherOptionsInTheSameFolderAreRefused() throws {
        let scratch = try ScratchFolder()
        var options = try setUp(scratch)
        let out = scratch.path("out")
        _ = try FineTuning(options: options, folder: out).run(until: .dae)
        options.seed = 99
        XCTAssertThrowsError(try FineTuning(options: options, folder: out)) { error in
            XCTAssertTrue("\(error)".contains("finetune.json"), "\(error)")
        }
    }

    func testABaseThatIsNotABundleIsNamed() throws {
        let scratch = try ScratchFolder()
        var options = try setUp(scratch)
        options.base = scratch.path("person").path
        XCTAssertThrowsError(try FineTuning(options: options, folder: scratch.path("out"))) { error in
            XCTAssertTrue("\(error)".contains("dae.h5"), "\(error)")
        }
    }
}
