import DiffusionAutoencoder
import Foundation
import NeuralNetworks
import TalkingFace
import XCTest
import Datasets
import SyntheticSpeaker
import TestSupport

/// `talkingface finetune`'s stages on a tiny untrained base and a 6 s synthetic person.
final class FineTuningTests: XCTestCase {
    private func setUp(_ scratch: TemporaryDirectory) throws -> FineTuneOptions {
        try Speaker.makeUntrained(preset: .tiny, name: "base", seed: 3, steps: testSteps).write(to: scratch.file("base"))
        try SyntheticSpeaker(index: 4, seed: 7).write(to: scratch.file("person"), seconds: 6, fps: 25, size: 32)
        var options = FineTuneOptions(base: scratch.file("base").path, data: scratch.file("person").path, name: "person")
        options.daeSteps = 3
        options.s2lSteps = 3
        options.batchSize = 2
        options.checkpointEvery = 2
        return options
    }

    func testDAEFineTuningStartsFromTheBaseWeights() throws {
        let scratch = try TemporaryDirectory()
        _ = try setUp(scratch)
        var options = DAETrainingOptions(data: [scratch.file("person").path], preset: .tiny, steps: 1)
        options.initialWeights = scratch.file("base/dae.h5").path
        let trainer = try DAETrainer(options: options, run: scratch.file("run"))
        let base = try DiffAE.load(checkpoint: scratch.file("base/dae.h5"))
        for ((key, a), (_, b)) in zip(trainer.model.namedParameters(), base.namedParameters()) {
            XCTAssertEqual(a.values, b.values, key)
        }
        options.initialWeights = scratch.file("missing.h5").path
        XCTAssertThrowsError(try DAETrainer(options: options, run: scratch.file("run2"))) { error in
            XCTAssertTrue("\(error)".contains("missing.h5"), "\(error)")
        }
    }

    /// The speech is checked before the DAE's stage starts, even for a run that stops after it.
    func testBadSpeechIsRefusedBeforeTheFirstStage() throws {
        let scratch = try TemporaryDirectory()
        let options = try setUp(scratch)
        let audio = scratch.file("person/audio.wav"), out = scratch.file("out")
        var samples = [Float](repeating: 0.1, count: 16000 * 6)
        samples[1000] = 1e30
        try makeFloatWAV(sampleRate: 16000, samples: samples).write(to: audio)
        XCTAssertThrowsError(try FineTuning(options: options, folder: out).run(until: .dae)) { error in
            XCTAssertTrue("\(error)".contains(audio.path) && "\(error)".contains("sample 1000"), "\(error)")
        }
        try makeFloatWAV(sampleRate: 16000, samples: [Float](repeating: 0.1, count: 16000)).write(to: audio)
        XCTAssertThrowsError(try FineTuning(options: options, folder: out).run(until: .dae)) { error in
            XCTAssertTrue("\(error)".contains(audio.path) && "\(error)".contains("length:"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing is written before the check")
    }

    func testAllStagesWriteABundleAndARerunSkipsThem() throws {
        let scratch = try TemporaryDirectory()
        let options = try setUp(scratch)
        // as `prepare` records the recording it cut the frames from
        let metaURL = scratch.file("person/meta.json")
        var meta = try DatasetMeta.read(metaURL)
        meta.source = (meta.source ?? [:]).merging(["video_path": "/clips/person.mp4", "crop": "aligned"]) { $1 }
        try meta.write(to: metaURL)
        let out = scratch.file("out")
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
        XCTAssertTrue(try SpeakerDataset(at: scratch.file("person")).split().train.contains(reference))
        // where `generate` pastes the face back by default
        XCTAssertEqual(speaker.meta.madeBy[SpeakerMeta.sourceVideoKey], "/clips/person.mp4")
        XCTAssertEqual(speaker.meta.madeBy[SpeakerMeta.sourceCropKey], "aligned")
        // The DAE moved away from the base during its 3 steps.
        let base = try DiffAE.load(checkpoint: scratch.file("base/dae.h5"))
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
        let scratch = try TemporaryDirectory()
        var options = try setUp(scratch)
        let out = scratch.file("out")
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

    /// The DAE loss settings of a recipe reach the DAE stage's run.
    func testTheDAELossSettingsReachTheDAEStage() throws {
        let scratch = try TemporaryDirectory()
        var options = try setUp(scratch)
        options.motionWeight = 50
        options.highNoiseShare = 0.5
        let out = scratch.file("out")
        _ = try FineTuning(options: options, folder: out).run(until: .dae)
        let run = try DAETrainingOptions.read(out.appendingPathComponent("dae/options.json"))
        XCTAssertEqual(run.motionWeight, 50)
        XCTAssertEqual(run.highNoiseShare, 0.5)
    }

    func testOtherOptionsInTheSameFolderAreRefused() throws {
        let scratch = try TemporaryDirectory()
        var options = try setUp(scratch)
        let out = scratch.file("out")
        _ = try FineTuning(options: options, folder: out).run(until: .dae)
        options.seed = 99
        XCTAssertThrowsError(try FineTuning(options: options, folder: out)) { error in
            XCTAssertTrue("\(error)".contains("finetune.json"), "\(error)")
        }
    }

    func testABaseThatIsNotABundleIsNamed() throws {
        let scratch = try TemporaryDirectory()
        var options = try setUp(scratch)
        options.base = scratch.file("person").path
        XCTAssertThrowsError(try FineTuning(options: options, folder: scratch.file("out"))) { error in
            XCTAssertTrue("\(error)".contains("dae.h5"), "\(error)")
        }
    }
}
