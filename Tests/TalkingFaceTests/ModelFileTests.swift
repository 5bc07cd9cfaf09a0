import Foundation
import TalkingFace
import TestSupport
import XCTest

/// `ModelFile`: a model named by its .h5 file or by the run or bundle folder holding it.
final class ModelFileTests: XCTestCase {
    func testAFolderMeansTheModelFileInIt() throws {
        let scratch = try TemporaryDirectory()
        let run = scratch.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data().write(to: run.appendingPathComponent("dae.h5"))
        try Data().write(to: run.appendingPathComponent("s2l.h5"))
        XCTAssertEqual(try ModelFile.dae.resolve(run.path), run.appendingPathComponent("dae.h5"))
        XCTAssertEqual(try ModelFile.speechToLatent.resolve(run), run.appendingPathComponent("s2l.h5"))
    }

    func testAFileIsTakenAsItIs() throws {
        let scratch = try TemporaryDirectory()
        let file = scratch.file("erased.h5")
        try Data().write(to: file)
        XCTAssertEqual(try ModelFile.dae.resolve(file.path), file)
        XCTAssertEqual(try ModelFile.speechToLatent.resolve(file), file)
    }

    func testAFolderWithoutTheFileIsAnErrorNamingIt() throws {
        let scratch = try TemporaryDirectory()
        let run = scratch.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data().write(to: run.appendingPathComponent("checkpoint.h5"))
        XCTAssertThrowsError(try ModelFile.dae.resolve(run.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(run.appendingPathComponent("dae.h5").path + ": does not exist"), "\(error)")
            XCTAssertTrue("\(error)".contains("talkingface dae train"), "\(error)")
        }
        XCTAssertThrowsError(try ModelFile.speechToLatent.resolve(run)) { error in
            XCTAssertTrue("\(error)".hasPrefix(run.appendingPathComponent("s2l.h5").path + ": does not exist"), "\(error)")
            XCTAssertTrue("\(error)".contains("talkingface s2l train"), "\(error)")
        }
        let nowhere = scratch.file("nowhere.h5")
        XCTAssertThrowsError(try ModelFile.dae.resolve(nowhere.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(nowhere.path + ": does not exist"), "\(error)")
        }
    }
}
