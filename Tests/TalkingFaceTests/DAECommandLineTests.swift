import Foundation
import XCTest
import TestSupport

/// The built `talkingface` tool's `dae` commands refuse bad arguments with messages that
/// say what to do (run after `swift build`; skipped when the tool is not next to the tests).
final class DAECommandLineTests: XCTestCase {
    private var tool: URL!

    override func setUpWithError() throws {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        tool = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("talkingface") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        try XCTSkipIf(tool == nil, "the talkingface tool is not built next to \(products.path)")
    }

    /// Exit status and standard error of one run.
    private func run(_ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

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
                        saying: "unknown preset 'huge'; one of tiny, cpu64, ffhq64, ffhq128, ffhq256")
        try assertFails(["dae", "train", "--data", scratch.file("speaker").path, "--preset", "tiny", "--out", scratch.file("run").path],
                        saying: "its face crop is 16×16 pixels, smaller than the model's 32×32")
        try assertFails(["dae", "train", "--data", scratch.file("speaker").path, "--steps", "0", "--out", scratch.file("run").path],
                        saying: "--steps must be at least 1")
        try assertFails(["dae", "train", "--out", scratch.file("empty").path, "--resume"], saying: "options.json does not exist")
    }

    func testEncodeDecodeArgumentErrors() throws {
        let scratch = try TemporaryDirectory()
        try assertFails(["dae", "decode", "--model", scratch.file("missing.h5").path, "--latents", "z.h5", "--out", scratch.file("o").path],
                        saying: "missing.h5: does not exist; a DAE is given as its .h5 file or as a run or speaker bundle folder holding dae.h5")
        try assertFails(["dae", "encode", "--model", "m.h5", "--data", "d", "--out", "z.h5", "--steps", "0"],
                        saying: "--steps must be in 1...1000")
        try assertFails(["dae", "decode", "--model", "m", "--latents", "z.h5", "--out", "o", "--noise", "pink"],
                        saying: "pink")
    }

    func testHelpShowsExamples() throws {
        let process = Process()
        process.executableURL = tool
        process.arguments = ["dae", "train", "--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(text.contains("talkingface dae train --out runs/dae --resume --steps 7200"), text)
    }
}
