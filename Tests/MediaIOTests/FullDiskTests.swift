import Autodiff
import Foundation
import XCTest

import MediaIO
import TestSupport

/// Writing to a full disk: a clean error naming the file, nothing left behind, and no crash
/// afterwards (inside the library, or when the process exits). Needs a 1 MB tmpfs, so it
/// runs only where the tests may mount one (root in a container); elsewhere it skips.
final class FullDiskTests: XCTestCase {
    func testTensorFileOnAFullDiskFailsCleanly() throws {
        let scratch = try TemporaryDirectory()
        let disk = scratch.file("full")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.path]) else {
            throw XCTSkip("cannot mount a small tmpfs here (needs root)")
        }
        defer { _ = run("/bin/umount", ["-l", disk.path]) }

        let url = disk.appendingPathComponent("model.h5")
        // 2 MB on a 1 MB disk, in many small datasets like a model's (so HDF5's metadata,
        // not only raw data, meets the full disk).
        var model: [String: Tensor] = [:]
        for i in 0..<400 { model["blocks.\(i).weight"] = Tensor(shape: [32, 40], repeating: Float(i)) }
        for _ in 0..<3 {  // and again: a failed write must leave the library usable
            XCTAssertThrowsError(try TensorFile.write(model, to: url)) { error in
                XCTAssertEqual((error as? MediaIOError)?.kind, .io, "\(error)")
                XCTAssertTrue("\(error)".contains(url.path), "\(error)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), [], "nothing left behind")
        }
        let small = disk.appendingPathComponent("small.h5")
        try TensorFile.write(["small": Tensor(shape: [4], values: [1, 2, 3, 4])], to: small)
        XCTAssertEqual(try TensorFile.read(small).tensors["small"]?.values, [1, 2, 3, 4])
    }

    private func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
