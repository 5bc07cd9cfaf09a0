import DiffusionAutoencoder
import Foundation
import TalkingFace
import XCTest
import TestSupport

/// The built `talkingface` tool's `dae` commands refuse bad arguments with messages that
/// say what to do (run after `swift build`; skipped when the tool is not next to the tests).
final class DAECommandLineTests: XCTestCase {
    private var tool: CommandLineTool!

    override func setUpWithError() throws {
        tool = CommandLineTool()
        try XCTSkipIf(tool == nil, "the talkingface tool is not built next to \(CommandLineTool.searchedFolder)")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, errors: String) { try tool.run(arguments) }

    private func assertFails(_ arguments: [String], saying expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, errors) = try run(arguments)
        XCTAssertNotEqual(status, 0, "talkingface \(arguments.joined(separator: " ")) succeeded", file: file, line: line)
        XCTAssertTrue(errors.contains(expected), "expected “\(expected)” in: \(errors)", file: file, line: line)
    }

    func testTrainArgumentErrors() throws {
        let scratch = try TemporaryDirectory()
        try assertFails(["dae", "train", "--out", scratch.file("run").path], saying: "give at least one --data folder")
        try assertFails(["dae", "train", "--data", scratch.file("nowhere").path, "--out", scratch.file("run").path],
                        saying: "is not a speaker data set: no such folder")
        try DAETestData.write(to: scratch.file("speaker"), count: 4, size: 16)
        try assertFails(["dae", "train", "--data", scratch.file("speaker").path, "--preset", "huge", "--out", scratch.file("run").path],
                        saying: "unknown preset 'huge'; one of tiny, cpu64, cpu128, ffhq64, ffhq128, ffhq256")
        try assertFails(["dae", "train", "--data", scratch.file("speaker").path, "--preset", "tiny", "--out", scratch.file("run").path],
                        saying: "its face crop is 16×16 pixels, smaller than the model's 32×32")
        try assertFails(["dae", "train", "--data", scratch.file("speaker").path, "--steps", "0", "--out", scratch.file("run").path],
                        saying: "--steps must be at least 1")
        try assertFails(["dae", "train", "--out", scratch.file("empty").path, "--resume"], saying: "options.json does not exist")
    }

    /// A bad recipe stops `dae train` before anything is read or written, naming the file
    /// and the field; on --resume a recipe must agree with the run's options.json.
    func testTrainRejectsABadRecipe() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"), count: 4, size: 32)
        func recipe(_ name: String, _ json: String) throws -> String {
            try Data(json.utf8).write(to: scratch.file(name))
            return scratch.file(name).path
        }
        let run = scratch.file("run")
        let train = ["dae", "train", "--data", scratch.file("speaker").path, "--preset", "tiny", "--out", run.path]
        let typo = try recipe("typo.json", #"{"semantic_gian": 3}"#)
        try assertFails(train + ["--recipe", typo], saying: "\(typo): unknown field 'semantic_gian' (known: data, preset")
        let negative = try recipe("negative.json", #"{"split": {"id": 8, "pose": 8, "expression": 16}, "split_weights": {"pose_readout": -1}}"#)
        try assertFails(train + ["--recipe", negative], saying: "\(negative): split_weights.pose_readout: must be ≥ 0 (got -1)")
        let wrongType = try recipe("type.json", #"{"motion_weight": "lots"}"#)
        try assertFails(train + ["--recipe", wrongType], saying: "\(wrongType): motion_weight: must be a number")
        let warmup = try recipe("warmup.json", #"{"warmup": 50}"#)
        try assertFails(train + ["--recipe", warmup, "--steps", "10"], saying: "\(warmup): warmup: must be in 0…10")
        try assertFails(train + ["--recipe", scratch.file("missing.json").path], saying: "missing.json: cannot be read")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "a bad recipe must stop before the run starts")

        // --resume: the run's options.json is the truth.
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try DAETrainingOptions(data: [scratch.file("speaker").path], preset: .tiny, steps: 4).write(to: run.appendingPathComponent("options.json"))
        let motion = try recipe("motion.json", #"{"motion_weight": 5, "steps": 8}"#)
        try assertFails(["dae", "train", "--out", run.path, "--resume", "--recipe", motion],
                        saying: "\(motion): motion_weight 5 (the run has null)")
        try assertFails(["dae", "train", "--out", run.path, "--resume", "--batch", "2"], saying: "--batch 2 (the run has 8)")
    }

    /// The every-time settings may come from the recipe; a flag wins over it.
    func testFlagsWinOverTheRecipe() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"), count: 4, size: 32)
        let recipe = scratch.file("recipe.json")
        try Data(#"{"preset": "tiny", "steps": 50, "batch": 2, "ema": 0.9, "checkpoint_every": 7}"#.utf8).write(to: recipe)
        let run = scratch.file("run")
        let (status, errors) = try self.run(["dae", "train", "--data", scratch.file("speaker").path, "--recipe", recipe.path,
                                             "--steps", "2", "--out", run.path])
        XCTAssertEqual(status, 0, errors)
        let options = try DAETrainingOptions.read(run.appendingPathComponent("options.json"))
        XCTAssertEqual([options.steps, options.batchSize, options.checkpointEvery, options.warmupSteps], [2, 2, 7, 0])
        XCTAssertEqual(options.preset, DiffAEPreset.tiny)
        XCTAssertEqual(options.emaDecay, 0.9)
        // The same recipe on --resume agrees with the run.
        let (again, resumeErrors) = try self.run(["dae", "train", "--out", run.path, "--resume", "--recipe", recipe.path, "--steps", "3"])
        XCTAssertEqual(again, 0, resumeErrors)
    }

    /// `s2l train` and `finetune` read their recipes first, too.
    func testSpeechAndFineTuneRejectABadRecipe() throws {
        let scratch = try TemporaryDirectory()
        let typo = scratch.file("typo.json")
        try Data(#"{"stpes": 3}"#.utf8).write(to: typo)
        try assertFails(["s2l", "train", "--data", scratch.file("nowhere").path, "--latents", "z.h5", "--out", scratch.file("s2l").path,
                         "--recipe", typo.path], saying: "\(typo.path): unknown field 'stpes' (known: preset, steps")
        let frame = scratch.file("frame.json")
        try Data(#"{"reference_frame": -2}"#.utf8).write(to: frame)
        try assertFails(["finetune", "--data", scratch.file("nowhere").path, "--out", scratch.file("ft").path, "--recipe", frame.path],
                        saying: "\(frame.path): reference_frame: must be ≥ 0 (got -2)")
    }

    func testEncodeDecodeArgumentErrors() throws {
        let scratch = try TemporaryDirectory()
        try assertFails(["dae", "decode", "--model", scratch.file("missing.h5").path, "--latents", "z.h5", "--out", scratch.file("o").path],
                        saying: "missing.h5: does not exist; a DAE is given as its .h5 file or as a run or speaker bundle folder holding dae.h5")
        try assertFails(["dae", "encode", "--model", "m.h5", "--data", "d", "--out", "z.h5", "--steps", "0"],
                        saying: "--steps must be in 2…1000 (got 0)")
        try assertFails(["dae", "decode", "--model", "m", "--latents", "z.h5", "--out", "o", "--noise", "pink"],
                        saying: "pink")
    }

    func testHelpShowsExamples() throws {
        let process = Process()
        process.executableURL = tool.url
        process.arguments = ["dae", "train", "--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(text.contains("talkingface dae train --out runs/dae --resume --steps 7200"), text)
        XCTAssertTrue(text.contains("--recipe vmotion.json"), text)
        // Only what is set every time stays a flag; the rest lives in the recipe.
        let options = text.components(separatedBy: "OPTIONS:").last!.split(separator: "\n")
            .filter { $0.hasPrefix("  -") }
        XCTAssertLessThanOrEqual(options.count, 14, options.joined(separator: "\n"))
    }
}
