import Foundation
import MediaIO
import XCTest
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGKILL delivered to a running `talkingface dae train`: each leaves a
/// checkpoint that resumes to the same model, bit for bit, as a run that never stopped, and
/// nothing else behind. The first two exit with the shell's status for the signal (run
/// after `swift build`; skipped when the tool is not next to the tests).
final class TrainingSignalTests: XCTestCase {
    private var tool: URL!
    private let steps = 16

    override func setUpWithError() throws {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        tool = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("talkingface") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        try XCTSkipIf(tool == nil, "the talkingface tool is not built next to \(products.path)")
    }

    /// Starts the tool, its standard error going to `log`.
    private func start(_ arguments: [String], log: URL) throws -> Process {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_BACKTRACE" }  // the tool's own crash handler
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return process
    }

    private func train(_ data: URL, _ run: URL) -> [String] {
        ["dae", "train", "--data", data.path, "--out", run.path, "--preset", "tiny", "--steps", "\(steps)",
         "--batch", "2", "--checkpoint-every", "1", "--seed", "7"]
    }

    /// Runs to the end; fails with the tool's messages unless it succeeds.
    private func finish(_ arguments: [String], log: URL) throws {
        let process = try start(arguments, log: log)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    private func weightBits(_ url: URL) throws -> [String: [UInt32]] {
        try TensorFile.read(url).tensors.mapValues { $0.values.map(\.bitPattern) }
    }

    /// loss.csv's step and loss columns (the smoothed loss starts afresh on a resume).
    private func losses(_ run: URL) throws -> [String] {
        let rows = try String(contentsOf: run.appendingPathComponent("loss.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, steps)
        return rows.map { $0.split(separator: ",")[0...1].joined(separator: ",") }
    }

    /// Every name under `folder`, relative to it.
    private func tree(_ folder: URL) -> [String] {
        (FileManager.default.subpaths(atPath: folder.path) ?? []).sorted()
    }

    /// Waits until the run's first checkpoint is on disk; false if the process ended first.
    private func waitForCheckpoint(_ run: URL, of process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.h5").path)
                && process.isRunning && Date() < deadline {
            usleep(2000)
        }
        return process.isRunning
    }

    func testSignalledTrainingResumesBitIdenticallyAndLeavesNothingBehind() throws {
        let scratch = try TemporaryDirectory()
        let data = scratch.file("speaker")
        try DAETestData.write(to: data, count: 40, size: 32)
        let straight = scratch.file("straight")
        try finish(train(data, straight), log: scratch.file("straight.log"))

        for (name, signal, status) in [("sigterm", SIGTERM, Int32(143)), ("sigint", SIGINT, 130), ("sigkill", SIGKILL, nil)] {
            let run = scratch.file(name), log = scratch.file("\(name).log")
            let process = try start(train(data, run), log: log)
            XCTAssertTrue(waitForCheckpoint(run, of: process), "\(name): the run ended before the signal")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let messages = try String(contentsOf: log, encoding: .utf8)
            if let status {
                XCTAssertEqual(process.terminationReason, .exit, name)
                XCTAssertEqual(process.terminationStatus, status, "\(name): \(messages)")
                XCTAssertTrue(messages.contains("continue with: talkingface dae train --out \(run.path) --resume"), "\(name): \(messages)")
                XCTAssertFalse(tree(run).contains { $0.contains("partial") }, "\(name): \(tree(run))")
            } else {
                XCTAssertEqual(process.terminationReason, .uncaughtSignal, name)
                // What a kill in the middle of a checkpoint write leaves (if this one did not).
                try Data("half a checkpoint".utf8).write(to: run.appendingPathComponent(".checkpoint.h5.\(UUID().uuidString).partial"))
            }

            try finish(["dae", "train", "--out", run.path, "--resume"], log: log)
            XCTAssertEqual(try weightBits(run.appendingPathComponent("dae.h5")), try weightBits(straight.appendingPathComponent("dae.h5")),
                           "\(name): dae.h5 after the resume")
            XCTAssertEqual(try weightBits(run.appendingPathComponent("checkpoint.h5")),
                           try weightBits(straight.appendingPathComponent("checkpoint.h5")), "\(name): checkpoint.h5 after the resume")
            XCTAssertEqual(try losses(run), try losses(straight), "\(name): loss.csv")
            XCTAssertEqual(tree(run), tree(straight), "\(name): nothing else left behind")
        }
    }

    /// A crash in the middle of training (here a SIGSEGV from outside) prints one line and
    /// ends the process with the signal at once: the crash handler never hangs.
    func testCrashEndsTheProcessAtOnceWithAMessage() throws {
        let scratch = try TemporaryDirectory()
        let data = scratch.file("speaker")
        try DAETestData.write(to: data, count: 40, size: 32)
        let run = scratch.file("run"), log = scratch.file("run.log")
        let process = try start(train(data, run), log: log)
        XCTAssertTrue(waitForCheckpoint(run, of: process), "the run ended before the signal")
        kill(process.processIdentifier, SIGSEGV)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return XCTFail("still running 20 s after the crash")
        }
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(process.terminationStatus, SIGSEGV)
        let messages = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(messages.contains("talkingface: crashed (SIGSEGV"), messages)
    }
}
