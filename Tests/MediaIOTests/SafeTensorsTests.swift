import Autodiff
import Foundation
import XCTest

import MediaIO
import TestSupport

final class SafeTensorsTests: XCTestCase {
    private let fixture = fixturesDirectory.appendingPathComponent("tiny_mixed.safetensors")

    /// A safetensors file from a literal header and data section (for malformed cases).
    private func handMade(_ header: String, data: [UInt8], in dir: TemporaryDirectory, name: String) throws -> URL {
        var bytes = Data()
        var length = UInt64(header.utf8.count).littleEndian
        bytes.append(Data(bytes: &length, count: 8))
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        let url = dir.file(name)
        try bytes.write(to: url)
        return url
    }

    func testReadsF32F16BF16AsTorchWidensThem() throws {
        let expectedURL = fixturesDirectory.appendingPathComponent("tiny_mixed_expected.json")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as! [String: [String: [Double]]]
        let tensors = try SafeTensors.read(fixture, skippingNonFloat: true)
        XCTAssertEqual(Set(tensors.keys), Set(expected.keys))
        for (name, reference) in expected {
            XCTAssertEqual(tensors[name]!.shape, reference["shape"]!.map { Int($0) }, name)
            // Exact: widening F16/BF16 to F32 loses nothing, so the bits must agree.
            XCTAssertEqual(tensors[name]!.values.map(\.bitPattern), reference["values"]!.map { Float($0).bitPattern }, name)
        }
        XCTAssertEqual(try SafeTensors.metadata(fixture)["format"], "pt")
        XCTAssertEqual(try SafeTensors.inventory(fixture)["embeddings.position_ids"]?.dtype, "I64")
    }

    func testIntegerTensorIsAnErrorNamingItUnlessSkipped() throws {
        assertMediaIOError(.unsupported, file: fixture, key: "embeddings.position_ids") { try SafeTensors.read(fixture) }
    }

    func testWriteReadRoundTripIsExactAndAtomic() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("weights.safetensors")
        let tensors = [
            "a.weight": Tensor(shape: [3, 2], values: [1, -2, 0.1, 4e-30, .greatestFiniteMagnitude, -0]),
            "a.bias": Tensor(shape: [3], values: [7, 8, 9]),
            "scalar": Tensor(2.5),
            "empty": Tensor(uninitializedShape: [0]),
        ]
        try SafeTensors.write(tensors, metadata: ["format": "pt"], to: url)
        let read = try SafeTensors.read(url)
        XCTAssertEqual(Set(read.keys), Set(tensors.keys))
        for (name, tensor) in tensors {
            XCTAssertEqual(read[name]!.shape, tensor.shape, name)
            XCTAssertEqual(read[name]!.values.map(\.bitPattern), tensor.values.map(\.bitPattern), name)
        }
        XCTAssertEqual(try SafeTensors.metadata(url), ["format": "pt"])
        // Header padded so the data section is 8-byte aligned, as the reference writer does.
        let headerLength = try Data(contentsOf: url).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(try dir.contents(), ["weights.safetensors"])
    }

    func testTruncatedFileThrowsNamingFileAndKey() throws {
        let dir = try TemporaryDirectory()
        let bytes = try Data(contentsOf: fixture)
        // Cut inside the data section: the header is intact, the last tensor's data is not.
        let dataCut = dir.file("data-cut.safetensors")
        try bytes.prefix(bytes.count - 3).write(to: dataCut)
        assertMediaIOError(.corrupt, file: dataCut) { try SafeTensors.read(dataCut, skippingNonFloat: true) }
        do {
            _ = try SafeTensors.read(dataCut, skippingNonFloat: true)
        } catch let error as MediaIOError {
            XCTAssertNotNil(error.key, "a data truncation names the tensor: \(error)")
            XCTAssertTrue(error.reason.contains("truncated"), "\(error)")
        }
        // Cuts inside the length and inside the header.
        for length in [0, 5, 8, 40, 200] {
            let cut = dir.file("cut-\(length).safetensors")
            try bytes.prefix(length).write(to: cut)
            assertMediaIOError(length == 0 ? .emptyFile : .corrupt, file: cut) { try SafeTensors.read(cut) }
        }
    }

    func testUnknownDtypeThrowsNamingKey() throws {
        let dir = try TemporaryDirectory()
        let url = try handMade(#"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2], in: dir, name: "f8.safetensors")
        assertMediaIOError(.unsupported, file: url, key: "w") { try SafeTensors.read(url) }
        assertMediaIOError(.unsupported, file: url, key: "w") { try SafeTensors.read(url, skippingNonFloat: true) }
    }

    func testOffsetsThatDoNotMatchTheShapeThrowNamingKey() throws {
        let dir = try TemporaryDirectory()
        let data = [UInt8](repeating: 0, count: 24)
        let short = try handMade(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: data, in: dir, name: "short.safetensors")
        assertMediaIOError(.corrupt, file: short, key: "w") { try SafeTensors.read(short) }
        let beyond = try handMade(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}"#, data: data, in: dir, name: "beyond.safetensors")
        assertMediaIOError(.corrupt, file: beyond, key: "w") { try SafeTensors.read(beyond) }
        let overlap = try handMade(
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            data: data, in: dir, name: "overlap.safetensors")
        assertMediaIOError(.corrupt, file: overlap, key: "b") { try SafeTensors.read(overlap) }
        let overflowing = try handMade(
            #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#, data: data, in: dir, name: "overflow.safetensors")
        assertMediaIOError(.corrupt, file: overflowing, key: "w") { try SafeTensors.read(overflowing) }
        let negative = try handMade(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: data, in: dir, name: "negative.safetensors")
        assertMediaIOError(.corrupt, file: negative, key: "w") { try SafeTensors.read(negative) }
    }

    func testBadHeaderAndMissingFileThrowNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        let notJSON = try handMade("{not json", data: [], in: dir, name: "bad.safetensors")
        assertMediaIOError(.corrupt, file: notJSON) { try SafeTensors.read(notJSON) }
        let huge = dir.file("huge.safetensors")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B]).write(to: huge)
        assertMediaIOError(.corrupt, file: huge) { try SafeTensors.read(huge) }
        let missing = dir.file("nope.safetensors")
        assertMediaIOError(.fileNotFound, file: missing) { try SafeTensors.read(missing) }
    }
}
