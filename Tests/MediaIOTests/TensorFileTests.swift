import Autodiff
import Foundation
import XCTest

import MediaIO
import TestSupport

final class TensorFileTests: XCTestCase {
    private func ramp(_ shape: [Int], scale: Float = 0.37, offset: Float = -1.5) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<n).map { Float($0) * scale + offset })
    }

    func testFloat32RoundTripWithNestedNamesAndJSONAttribute() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("model.h5")
        let tensors = [
            "blocks.0.attn.qkv.weight": ramp([6, 2]),
            "blocks.0.attn.qkv.bias": ramp([6], scale: -0.1),
            "blocks.1.norm.weight": ramp([2]),
            "scale": Tensor(3.25),
            "empty": Tensor(uninitializedShape: [0, 4]),
        ]
        let config = #"{"channels": [64, 128], "name": "ünïcode ✓"}"#
        try TensorFile.write(tensors, attributes: ["config": config, "format": "talkingface-1"], to: url)

        let (read, attributes) = try TensorFile.read(url)
        XCTAssertEqual(Set(read.keys), Set(tensors.keys))
        for (name, tensor) in tensors {
            XCTAssertEqual(read[name]!.shape, tensor.shape, name)
            XCTAssertEqual(read[name]!.values, tensor.values, name)
        }
        XCTAssertEqual(attributes, ["config": config, "format": "talkingface-1"])
        XCTAssertEqual(try TensorFile.readAttributes(url)["config"], config)
        XCTAssertEqual(try TensorFile.shapes(url)["blocks.0.attn.qkv.weight"], [6, 2])
        XCTAssertEqual(try dir.contents(), ["model.h5"])
    }

    func testFloat16RoundTripRoundsToNearestHalf() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("half.h5")
        // 1 + 2^-11 is halfway between two halves and rounds to even (1.0); 1 + 3·2^-11 rounds up.
        let values: [Float] = [0, -2.5, 1 + 0x1p-11, 1 + 3 * 0x1p-11, 0.1, 65504, 1e-8, -0.333333]
        try TensorFile.write(["w": Tensor(shape: [2, 4], values: values)], to: url, precision: .float16)
        let read = try TensorFile.read(url).tensors["w"]!
        XCTAssertEqual(read.shape, [2, 4])
        XCTAssertEqual(read.values, values.map { Float(Float16($0)) })
        XCTAssertEqual(read.values[2], 1)
        XCTAssertEqual(read.values[3], 1 + 0x1p-9)
        XCTAssertNotEqual(read.values[4], 0.1)  // really stored as 16 bits
        // Half the bytes of float32 (plus the same metadata), so the file really is float16.
        let big = ramp([256, 256], scale: 1e-4)
        let f32 = dir.file("f32.h5"), f16 = dir.file("f16.h5")
        try TensorFile.write(["x": big], to: f32)
        try TensorFile.write(["x": big], to: f16, precision: .float16)
        let size = { (u: URL) in try FileManager.default.attributesOfItem(atPath: u.path)[.size] as! Int }
        XCTAssertLessThan(try size(f16), try size(f32) / 2 + 4096)
    }

    func testFloat16OverflowIsAnErrorNamingTheKey() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("overflow.h5")
        assertMediaIOError(.invalidArgument, file: url, key: "big.weight") {
            try TensorFile.write(["big.weight": Tensor(shape: [2], values: [1, 1e6])], to: url, precision: .float16)
        }
        XCTAssertEqual(try dir.contents(), [])
    }

    func testIntegerArraysRoundTripIncludingUInt64Bits() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("state.h5")
        let rngState: [UInt64] = [0xDEAD_BEEF_CAFE_F00D, 0xFFFF_FFFF_FFFF_FFFF, 1]
        let integers: [String: [Int64]] = [
            "optimizer.step": [12345],
            "rng.state": rngState.map { Int64(bitPattern: $0) },
            "empty": [],
        ]
        try TensorFile.write(["optimizer.m.w": ramp([3])], integers: integers, to: url)
        var contents = try TensorFile.readContents(url)
        // Contents round-trips as a whole too.
        try TensorFile.write(contents, to: url)
        contents = try TensorFile.readContents(url)
        XCTAssertEqual(contents.integers, integers)
        XCTAssertEqual(contents.integers["rng.state"]!.map { UInt64(bitPattern: $0) }, rngState)
        XCTAssertEqual(contents.tensors["optimizer.m.w"]!.values, ramp([3]).values)
        XCTAssertNil(try TensorFile.read(url).tensors["optimizer.step"])
    }

    func testOverwriteIsAtomicAndFailedWriteKeepsOldFile() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("ckpt.h5")
        try TensorFile.write(["a": ramp([4])], to: url)
        try TensorFile.write(["a": ramp([5])], to: url)
        XCTAssertEqual(try TensorFile.read(url).tensors["a"]!.shape, [5])
        // A write that fails part-way (conflicting names) leaves the old file and no temporary.
        assertMediaIOError(.invalidArgument, file: url, key: "a.b") {
            try TensorFile.write(["a": ramp([1]), "a.b": ramp([1])], to: url)
        }
        assertMediaIOError(.invalidArgument, file: url, key: "a..b") {
            try TensorFile.write(["a..b": ramp([1])], to: url)
        }
        // And a failure inside HDF5 after the temporary file exists (overflowing float16 late).
        assertMediaIOError(.invalidArgument, file: url, key: "z") {
            try TensorFile.write(["y": ramp([3]), "z": Tensor(shape: [1], values: [1e9])], to: url, precision: .float16)
        }
        XCTAssertEqual(try dir.contents(), ["ckpt.h5"])
        XCTAssertEqual(try TensorFile.read(url).tensors["a"]!.shape, [5])
        // A directory that does not exist: an I/O error naming the destination.
        let nowhere = dir.file("missing-dir/ckpt.h5")
        assertMediaIOError(.io, file: nowhere) { try TensorFile.write(["a": ramp([1])], to: nowhere) }
    }

    func testMissingEmptyTruncatedAndForeignFilesThrowNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.file("missing.h5")
        assertMediaIOError(.fileNotFound, file: missing) { try TensorFile.read(missing) }

        let empty = dir.file("empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        assertMediaIOError(.emptyFile, file: empty) { try TensorFile.read(empty) }

        let text = dir.file("text.h5")
        try Data("definitely not HDF5".utf8).write(to: text)
        assertMediaIOError(.corrupt, file: text) { try TensorFile.read(text) }

        // Cut a real file at several points: every cut must throw, never crash.
        let good = dir.file("good.h5")
        try TensorFile.write(["layer.weight": ramp([64, 64]), "layer.bias": ramp([64])], attributes: ["config": "{}"], to: good)
        let bytes = try Data(contentsOf: good)
        for fraction in [0.05, 0.3, 0.6, 0.9, 0.99] {
            let cut = dir.file("truncated-\(fraction).h5")
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: cut)
            assertMediaIOError(.corrupt, file: cut) { try TensorFile.read(cut) }
        }
    }
}

final class TensorFileH5pyFixtureTests: XCTestCase {
    /// A file written by h5py with types our writer never produces (float64, big-endian
    /// float32, numpy float16, int32, fixed-length string attribute) reads as numpy converts it.
    func testReadsFileWrittenByH5py() throws {
        let url = fixturesDirectory.appendingPathComponent("tiny_h5py.h5")
        let expectedURL = fixturesDirectory.appendingPathComponent("tiny_h5py_expected.json")
        struct Expected: Decodable {
            struct Entry: Decodable { let shape: [Int]; let values: [Double] }
            let tensors: [String: Entry]
            let integers: [String: [Int64]]
            let attributes: [String: String]
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: expectedURL))
        let contents = try TensorFile.readContents(url)
        XCTAssertEqual(Set(contents.tensors.keys), Set(expected.tensors.keys))
        for (name, entry) in expected.tensors {
            XCTAssertEqual(contents.tensors[name]!.shape, entry.shape, name)
            XCTAssertEqual(contents.tensors[name]!.values.map(\.bitPattern), entry.values.map { Float($0).bitPattern }, name)
        }
        XCTAssertEqual(contents.integers, expected.integers)
        XCTAssertEqual(contents.attributes, expected.attributes)
    }
}
