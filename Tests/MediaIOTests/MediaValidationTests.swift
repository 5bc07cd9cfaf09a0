import Autodiff
import Foundation
import XCTest

import MediaIO
import TestSupport

/// A PNG built byte by byte (stored, uncompressed deflate), so the test controls the bit
/// depth and which chunks there are: `samples` are the raw values, row by row.
func makePNG(width: Int, height: Int, bitDepth: Int, colourType: UInt8, samplesPerPixel: Int, samples: [Int]) -> Data {
    func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }
    var raw: [UInt8] = []
    let rowSamples = width * samplesPerPixel
    for y in 0..<height {
        raw.append(0)  // filter: none
        for value in samples[(y * rowSamples)..<((y + 1) * rowSamples)] {
            if bitDepth == 16 { raw += [UInt8(value >> 8), UInt8(value & 0xFF)] } else { raw.append(UInt8(value)) }
        }
    }
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    let length = UInt16(raw.count)
    let zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        + raw + bigEndian(b << 16 | a)
    let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [UInt8(bitDepth), colourType, 0, 0, 0]
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", []))
}

final class MediaValidationTests: XCTestCase {
    func testNonFiniteAudioSamplesAreAnErrorNamingTheFileAndTheSample() throws {
        let dir = try TemporaryDirectory()
        for (name, bad) in [("nan.wav", Float.nan), ("inf.wav", Float.infinity), ("minus-inf.wav", -Float.infinity)] {
            let url = dir.file(name)
            var samples = [Float](repeating: 0.1, count: 1000)
            samples[800] = bad
            try makeFloatWAV(sampleRate: 16000, samples: samples).write(to: url)
            for rate in [16000, 8000] {  // as stored, and through the resampler
                assertMediaIOError(.corrupt, file: url) { try AudioFile.read(url, sampleRate: rate) }
                XCTAssertThrowsError(try AudioFile.read(url, sampleRate: rate)) { error in
                    XCTAssertTrue("\(error)".contains("sample 800"), "\(error)")
                    XCTAssertTrue("\(error)".contains("finite"), "\(error)")
                }
            }
        }
        let fine = dir.file("fine.wav")
        try makeFloatWAV(sampleRate: 16000, samples: [0.1, -0.5, 0.25]).write(to: fine)
        XCTAssertEqual(try AudioFile.read(fine).samples, [0.1, -0.5, 0.25])
    }

    /// A finite float sample far beyond the [-1, 1] of sound is refused like a NaN; one a little
    /// beyond (a hot mix) reads as it is.
    func testAbsurdAudioSamplesAreAnErrorNamingTheFileAndTheSample() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("huge.wav")
        var samples = [Float](repeating: 0.1, count: 1000)
        samples[700] = 1e30
        try makeFloatWAV(sampleRate: 16000, samples: samples).write(to: url)
        for rate in [16000, 8000] {
            assertMediaIOError(.corrupt, file: url) { try AudioFile.read(url, sampleRate: rate) }
            XCTAssertThrowsError(try AudioFile.read(url, sampleRate: rate)) { error in
                XCTAssertTrue("\(error)".contains("sample 700"), "\(error)")
                XCTAssertTrue("\(error)".contains("[-1, 1]"), "\(error)")
            }
        }
        let hot = dir.file("hot.wav")
        try makeFloatWAV(sampleRate: 16000, samples: [0.1, -1.5, 2]).write(to: hot)
        XCTAssertEqual(try AudioFile.read(hot).samples, [0.1, -1.5, 2])
    }

    /// Image tools write 16-bit PNGs without a gAMA chunk; their values are sRGB like an
    /// 8-bit file's and must read as value / 257, not brightened as if they were linear.
    func testSixteenBitPNGReadsAsTheSameValuesAsEightBit() throws {
        let dir = try TemporaryDirectory()
        let eightBit: [Int] = [0, 64, 128, 255, 32, 200]
        let rgb16 = dir.file("rgb16.png"), gray16 = dir.file("gray16.png"), rgb8 = dir.file("rgb8.png")
        try makePNG(width: 2, height: 1, bitDepth: 16, colourType: 2, samplesPerPixel: 3, samples: eightBit.map { $0 * 257 }).write(to: rgb16)
        try makePNG(width: 3, height: 2, bitDepth: 16, colourType: 0, samplesPerPixel: 1, samples: eightBit.map { $0 * 257 }).write(to: gray16)
        try makePNG(width: 2, height: 1, bitDepth: 8, colourType: 2, samplesPerPixel: 3, samples: eightBit).write(to: rgb8)
        XCTAssertEqual(try PNG.read(rgb16).pixels, eightBit.map(UInt8.init))
        XCTAssertEqual(try PNG.read(rgb16), try PNG.read(rgb8))
        XCTAssertEqual(try PNG.read(gray16).pixels, eightBit.map(UInt8.init))
        XCTAssertEqual(try PNG.read(gray16, channels: 3).pixels, eightBit.flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
    }

    func testNonFiniteTensorsAreAnErrorNamingFileAndKey() throws {
        let file = URL(fileURLWithPath: "/some/weights.h5")
        let fine = ["a.weight": Tensor(shape: [2, 2], values: [1, 2, 3, 4])]
        XCTAssertNoThrow(try requireFinite(fine, in: file))
        for bad in [Float.nan, .infinity, -.infinity] {
            let tensors = fine.merging(["b.bias": Tensor(shape: [3], values: [0, bad, 1])]) { a, _ in a }
            assertMediaIOError(.corrupt, file: file, key: "b.bias") { try requireFinite(tensors, in: file) }
        }
    }
}
