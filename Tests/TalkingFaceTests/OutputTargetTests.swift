import Datasets
import Foundation
import TalkingFace
import TestSupport
import XCTest

/// The output guard: an output never touches an input, and replaces only its own kind.
final class OutputTargetTests: XCTestCase {
    private var folder: TemporaryDirectory!
    private var input: URL!  // a data set folder the command reads

    override func setUpWithError() throws {
        folder = try TemporaryDirectory()
        input = folder.file("data")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("frames"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: input.appendingPathComponent("frames/00000.png"))
    }

    private func target(_ path: URL, _ kind: OutputKind = .probeReport, force: Bool = false) throws -> OutputTarget {
        try OutputTarget(path.path, kind: kind, inputs: [input], force: force)
    }

    private func assertRefused(_ path: URL, _ kind: OutputKind = .probeReport, force: Bool = false, saying words: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try target(path, kind, force: force), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(words), "\(message) does not say \(words)", file: file, line: line)
            XCTAssertTrue(message.contains("--out"), "\(message) does not name the option", file: file, line: line)
        }
    }

    func testAnOutputEqualToAnInputIsRefused() {
        assertRefused(input, saying: "is the input \(input.path)")
        assertRefused(input.appendingPathComponent("../data"), saying: "is the input")
    }

    func testAnOutputInsideAnInputIsRefusedEvenWithForce() {
        assertRefused(input.appendingPathComponent("frames/00000.png"), .latentsFile, saying: "lies inside the input")
        assertRefused(input.appendingPathComponent("new/report"), force: true, saying: "lies inside the input")
    }

    func testAnOutputContainingAnInputIsRefused() {
        assertRefused(folder.url, force: true, saying: "contains the input \(input.path)")
    }

    func testASymlinkToAnInputIsSeenThrough() throws {
        let link = folder.file("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: input)
        assertRefused(link, force: true, saying: "is the input")
        assertRefused(link.appendingPathComponent("probe"), force: true, saying: "lies inside the input")
    }

    func testAFreshPathAndAnEmptyFolderAreAccepted() throws {
        XCTAssertNoThrow(try target(folder.file("a/b/probe")))
        try FileManager.default.createDirectory(at: folder.file("empty"), withIntermediateDirectories: false)
        XCTAssertNoThrow(try target(folder.file("empty")))
    }

    func testAForeignFolderNeedsForce() throws {
        let mine = folder.file("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: false)
        try Data("years of work\n".utf8).write(to: mine.appendingPathComponent("thesis.txt"))
        assertRefused(mine, saying: "--force")
        XCTAssertNoThrow(try target(mine, force: true))
        // its own kind of output is replaced without --force
        try Data("{}".utf8).write(to: mine.appendingPathComponent("probe.json"))
        XCTAssertNoThrow(try target(mine))
    }

    func testAForeignFileNeedsForceAndAFileIsNoFolder() throws {
        let notes = folder.file("notes")
        try Data("the user's notes\n".utf8).write(to: notes)
        assertRefused(notes, .latentsFile, saying: "--force")
        XCTAssertNoThrow(try target(notes, .latentsFile, force: true))
        assertRefused(notes, .probeReport, force: true, saying: "is a file")
    }

    func testAnEmptyPathIsRefused() {
        XCTAssertThrowsError(try OutputTarget("", kind: .probeReport, inputs: [], force: true)) { error in
            XCTAssertTrue("\(error)".contains("--out is empty"))
        }
    }

    func testASyntheticSetIsReplacedWholeAndAFailureLeavesItAsItWas() throws {
        let out = folder.file("synth")
        let speaker = out.appendingPathComponent("speaker_00")
        try FileManager.default.createDirectory(at: speaker, withIntermediateDirectories: true)
        try DatasetMeta(fps: 25, frameCount: 1, source: ["generator": "talkingface synth"]).write(to: speaker.appendingPathComponent("meta.json"))
        try Data("old".utf8).write(to: speaker.appendingPathComponent("stale.png"))
        let target = try target(out, .syntheticDatasets)

        struct Failure: Error {}
        XCTAssertThrowsError(try target.writeWhole { staging in
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
            throw Failure()
        })
        XCTAssertTrue(FileManager.default.fileExists(atPath: speaker.appendingPathComponent("stale.png").path))
        XCTAssertEqual(try folder.contents(), ["data", "synth"], "the staging folder is gone")

        try target.writeWhole { staging in
            try FileManager.default.createDirectory(at: staging.appendingPathComponent("speaker_00"), withIntermediateDirectories: true)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: speaker.appendingPathComponent("stale.png").path))
        XCTAssertEqual(try folder.contents(), ["data", "synth"])
    }

    func testAFailedNewRunLeavesNoFoldersBehindUnlessItHasACheckpoint() throws {
        let run = OutputKind.trainingRun(markers: ["options.json"], worthKeeping: ["checkpoint.h5"])
        let target = try target(folder.file("runs/dae"), run)
        struct Failure: Error {}
        XCTAssertThrowsError(try target.writeInPlace {
            try FileManager.default.createDirectory(at: target.url, withIntermediateDirectories: false)
            try Data("{}".utf8).write(to: target.url.appendingPathComponent("options.json"))
            throw Failure()
        })
        XCTAssertEqual(try folder.contents(), ["data"], "neither runs/ nor runs/dae is left")

        XCTAssertThrowsError(try target.writeInPlace {
            try FileManager.default.createDirectory(at: target.url, withIntermediateDirectories: false)
            try Data("{}".utf8).write(to: target.url.appendingPathComponent("options.json"))
            try Data("weights".utf8).write(to: target.url.appendingPathComponent("checkpoint.h5"))
            throw Failure()
        })
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.url.appendingPathComponent("checkpoint.h5").path), "kept to resume")
        XCTAssertNoThrow(try self.target(target.url, run), "its own run folder may be written again (--resume)")
    }

    func testAnUnwritableParentIsNamed() throws {
        XCTAssertThrowsError(try OutputTarget("/proc/self/fuzz/out", kind: .probeReport, inputs: [], force: false)) { error in
            XCTAssertTrue("\(error)".contains("cannot write in /proc/self"), "\(error)")
        }
    }
}
