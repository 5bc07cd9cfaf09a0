import Foundation
import XCTest

import MediaIO

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
