import Foundation
import XCTest

import MediaIO

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("MediaIOTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names in the directory (to prove no temporary file was left behind).
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The directory holding committed test fixtures.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Asserts `body` throws a MediaIOError of `kind` whose message names `file` (and `key`).
func assertMediaIOError<T>(
    _ kind: MediaIOError.Kind, file: URL, key: String? = nil, _ body: () throws -> T,
    line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error", line: line)
    } catch let error as MediaIOError {
        XCTAssertEqual(error.kind, kind, "\(error)", line: line)
        XCTAssertTrue(error.description.contains(file.path), "message does not name the file: \(error)", line: line)
        if let key {
            XCTAssertTrue(error.description.contains(key), "message does not name the key: \(error)", line: line)
        }
    } catch {
        XCTFail("unexpected error type: \(error)", line: line)
    }
}
