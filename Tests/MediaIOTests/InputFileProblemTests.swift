import Foundation
import XCTest

import MediaIO
import TestSupport

/// A missing path, a folder and an empty file are named as such; a file with bytes is none.
final class InputFileProblemTests: XCTestCase {
    func testEachProblemIsNamed() throws {
        let folder = try TemporaryDirectory()
        let missing = folder.url.appendingPathComponent("nowhere.mp4")
        let directory = folder.url.appendingPathComponent("clip.mp4")
        let empty = folder.url.appendingPathComponent("empty.png")
        let file = folder.url.appendingPathComponent("photo.png")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        try Data().write(to: empty)
        try Data([1]).write(to: file)

        XCTAssertEqual(InputFileProblem(at: missing), .missing)
        XCTAssertEqual(InputFileProblem(at: directory), .folder)
        XCTAssertEqual(InputFileProblem(at: empty), .empty)
        XCTAssertNil(InputFileProblem(at: file))
        XCTAssertEqual("\(InputFileProblem.folder)", "a folder, not a file")
    }
}
