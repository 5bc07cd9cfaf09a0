import Foundation
import XCTest
import TestSupport

/// The built `talkingface` tool reads a negative number as an option's value (not as a
/// missing value) and refuses any numeric option outside its range with a message naming
/// the option and the value. Every case stops in argument validation: nothing is read or
/// written (run after `swift build`; skipped when the tool is not next to the tests).
final class CommandLineOptionTests: XCTestCase {
    private var tool: CommandLineTool!

    override func setUpWithError() throws {
        tool = CommandLineTool()
        try XCTSkipIf(tool == nil, "the talkingface tool is not built next to \(CommandLineTool.searchedFolder)")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, errors: String) { try tool.run(arguments) }

    private func assertRefused(_ arguments: [String], saying expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, errors) = try run(arguments)
        XCTAssertNotEqual(status, 0, "talkingface \(arguments.joined(separator: " ")) succeeded", file: file, line: line)
        XCTAssertTrue(errors.contains(expected), "expected “\(expected)” in: \(errors)", file: file, line: line)
        XCTAssertFalse(errors.contains("Missing value"), "a negative value read as a missing one: \(errors)", file: file, line: line)
    }

    func testNegativeNumbersAreValuesAndRefusedByRange() throws {
        let decode = ["dae", "decode", "--model", "m.h5", "--latents", "z.h5", "--out", "o"]
        try assertRefused(decode + ["--steps", "-1"], saying: "--steps must be in 2…1000 (got -1)")
        try assertRefused(decode + ["--batch", "-3"], saying: "--batch must be at least 1 (got -3)")
        try assertRefused(["dae", "encode", "--model", "m.h5", "--data", "d", "--out", "z.h5", "--reference-frame", "-1"],
                          saying: "--reference-frame must be at least 0 (got -1)")
        try assertRefused(["dae", "encode", "--model", "m.h5", "--data", "d", "--out", "z.h5", "--refinements", "-2"],
                          saying: "--refinements must be in 0…10 (got -2)")
        try assertRefused(["synth", "--out", "s", "--minutes", "-0.5"], saying: "--minutes must be a number above 0 and at most 1440 (got -0.5)")
        try assertRefused(["probe", "--model", "m.h5", "--data", "d", "--out", "p", "--held-out", "-0.1"],
                          saying: "--held-out must be a number above 0 and below 1 (got -0.1)")
        // A value that is not a number at all, or a negative seed, is the parser's to refuse.
        try assertRefused(["generate", "--audio", "a.wav", "--out", "o", "--seed", "-1"], saying: "The value '-1' is invalid for '--seed <seed>'")
        // Text options whose values may start with "-": read as values, refused by what checks them.
        try assertRefused(["probe", "--model", "m.h5", "--data", "d", "--out", "p", "--split", "-8,8,32"],
                          saying: "--split -8,8,32: every part needs at least 1 channel (got ID -8)")
        let (status, errors) = try run(["clip", "--data", "no-such-data-set", "--frames", "-1:3", "--out", "c"])
        XCTAssertNotEqual(status, 0)
        XCTAssertFalse(errors.contains("Missing value"), errors)
    }

    /// One DDIM step samples t = 0 alone: refused wherever the DDIM sampler runs.
    func testOneDDIMStepIsRefused() throws {
        let oneStep = "--steps must be in 2…1000 (got 1): one DDIM step samples t = 0 alone"
        try assertRefused(["generate", "--audio", "a.wav", "--out", "o", "--steps", "1"], saying: oneStep)
        try assertRefused(["dae", "decode", "--model", "m.h5", "--latents", "z.h5", "--out", "o", "--steps", "1"], saying: oneStep)
        try assertRefused(["dae", "reconstruct", "--model", "m.h5", "--data", "d", "--out", "o", "--steps", "1"], saying: oneStep)
        try assertRefused(["bundle", "--dae", "m.h5", "--s2l", "s.h5", "--data", "d", "--latents", "z.h5", "--out", "b", "--steps", "1"],
                          saying: oneStep)
        try assertRefused(["dae", "decode", "--model", "m.h5", "--latents", "z.h5", "--out", "o", "--steps", "100000"],
                          saying: "--steps must be in 2…1000 (got 100000)")
    }

    /// Values from the command line are named by their flag, also where the recipe's check
    /// would name its key; non-finite numbers never reach a JSON file.
    func testRangeMessagesNameTheFlag() throws {
        let finetune = ["finetune", "--data", "d", "--out", "ft"]
        try assertRefused(finetune + ["--dae-lr", "0"], saying: "--dae-lr must be a number above 0 (got 0.0)")
        try assertRefused(finetune + ["--s2l-lr", "inf"], saying: "--s2l-lr must be a number above 0 (got inf)")
        try assertRefused(finetune + ["--dae-steps", "0"], saying: "--dae-steps must be at least 1 (got 0)")
        let s2l = ["s2l", "train", "--data", "d", "--latents", "z.h5", "--out", "r"]
        try assertRefused(s2l + ["--steps", "0"], saying: "--steps must be at least 1 (got 0)")
        try assertRefused(s2l + ["--lr", "nan"], saying: "--lr must be a number above 0 (got nan)")
        try assertRefused(["dae", "train", "--data", "d", "--out", "r", "--cache-mb", "-1"], saying: "--cache-mb must be in 0…1048576 (got -1)")
        try assertRefused(["dae", "erase", "--model", "m.h5", "--data", "d", "--out", "e.h5", "--held-out", "1"],
                          saying: "--held-out must be a number at least 0 and below 1 (got 1.0)")
        try assertRefused(["dae", "erase", "--model", "m.h5", "--data", "d", "--out", "e.h5", "--split", "0,0,32"],
                          saying: "--split 0,0,32: every part needs at least 1 channel (got ID 0)")
        try assertRefused(["dae", "erase", "--model", "m.h5", "--data", "d", "--out", "e.h5", "--split", "8,8"],
                          saying: "--split wants three whole numbers ID,POSE,EXP")
        try assertRefused(["synth", "--out", "s", "--expression-gain", "nan"], saying: "--expression-gain must be a number at least 0 and at most 4 (got nan)")
        try assertRefused(["prepare", "--video", "v.mp4", "--out", "p", "--size", "8"], saying: "--size must be in 16…1024 (got 8)")
    }
}
