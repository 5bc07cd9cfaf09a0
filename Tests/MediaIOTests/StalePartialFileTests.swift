import Foundation
import XCTest

@testable import MediaIO  // the atomic writer's body form is internal
import TestSupport

/// `removeStalePartialFiles` removes exactly what a killed `writeAtomically` leaves behind.
final class StalePartialFileTests: XCTestCase {
    private struct Stop: Error {}

    func testRemovesTheAtomicWritersOwnLeftoversAndNothingElse() throws {
        let folder = try TemporaryDirectory()
        let fm = FileManager.default
        let stale = [".checkpoint.h5.\(UUID().uuidString).partial", ".dae.h5.\(UUID().uuidString).partial"]
        let kept = ["checkpoint.h5", "notes.partial", ".x.not-a-uuid.partial", ".\(UUID().uuidString).partial", "loss.csv"]
        for name in stale + kept { try Data("x".utf8).write(to: folder.file(name)) }
        // Not regular files, or not in the folder itself: left alone.
        try fm.createDirectory(at: folder.file(".frames.\(UUID().uuidString).partial"), withIntermediateDirectories: false)
        try fm.createDirectory(at: folder.file("sub"), withIntermediateDirectories: false)
        try Data("x".utf8).write(to: folder.file("sub").appendingPathComponent(".a.h5.\(UUID().uuidString).partial"))

        XCTAssertEqual(removeStalePartialFiles(in: folder.url), stale.sorted())
        for name in stale { XCTAssertFalse(fm.fileExists(atPath: folder.file(name).path), name) }
        for name in kept { XCTAssertTrue(fm.fileExists(atPath: folder.file(name).path), name) }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: folder.file("sub").path).count, 1)
        XCTAssertEqual(try folder.contents().count, kept.count + 2)
        XCTAssertEqual(removeStalePartialFiles(in: folder.url), [])
        XCTAssertEqual(removeStalePartialFiles(in: folder.file("nowhere")), [])
    }

    func testMatchesTheNameTheAtomicWriterWritesUnder() throws {
        let folder = try TemporaryDirectory()
        var temporaryName: String?
        var removed: [String] = []
        XCTAssertThrowsError(try writeAtomically(to: folder.file("weights.h5")) { temporary in
            temporaryName = temporary.lastPathComponent
            try Data("half".utf8).write(to: temporary)
            removed = removeStalePartialFiles(in: folder.url)  // as if the writer had been killed here
            throw Stop()
        })
        XCTAssertNotNil(temporaryName)
        XCTAssertEqual(removed, [temporaryName!])
        XCTAssertEqual(try folder.contents(), [])
    }
}
