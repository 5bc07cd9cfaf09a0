import Foundation
import MediaIO
import XCTest
import TestSupport

final class PNGTests: XCTestCase {
    func image(channels: Int, width: Int = 7, height: Int = 5, seed: UInt8 = 3) -> Image8 {
        let bytes = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ Int(seed) &* 11) }
        return Image8(width: width, height: height, channels: channels, pixels: bytes)
    }

    func testRoundTripGrayRGBAndRGBA() throws {
        let dir = try TemporaryDirectory()
        for channels in [1, 3, 4] {
            let original = image(channels: channels)
            let url = dir.file("c\(channels).png")
            try PNG.write(original, to: url)
            XCTAssertEqual(try PNG.read(url), original, "\(channels) channels")
        }
        XCTAssertEqual(try dir.contents(), ["c1.png", "c3.png", "c4.png"], "no temporary files left behind")
    }

    func testConvertsOnRead() throws {
        let dir = try TemporaryDirectory()
        let gray = image(channels: 1)
        try PNG.write(gray, to: dir.file("g.png"))
        let rgb = try PNG.read(dir.file("g.png"), channels: 3)
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb, gray.rgb())
        let rgba = image(channels: 4)
        XCTAssertEqual(rgba.rgb().pixels.count, rgba.width * rgba.height * 3)
        XCTAssertEqual(Array(rgba.rgb().pixels.prefix(3)), Array(rgba.pixels.prefix(3)))
    }

    func testSamePixelsGiveSameBytes() throws {
        XCTAssertEqual(try PNG.encode(image(channels: 3)), try PNG.encode(image(channels: 3)))
        XCTAssertNotEqual(try PNG.encode(image(channels: 3)), try PNG.encode(image(channels: 3, seed: 4)))
    }

    func testReadsAPNGMadeByAnotherEncoder() throws {
        // ffmpeg's PNG encoder (independent of libpng) draws a known test pattern.
        guard Video.isAvailable else { throw XCTSkip("ffmpeg not on PATH") }
        let dir = try TemporaryDirectory()
        let url = dir.file("red.png")
        let process = Process()
        process.executableURL = try Video.locate("ffmpeg")
        process.arguments = ["-v", "error", "-f", "lavfi", "-i", "color=c=0xFF0000:s=6x4", "-frames:v", "1", "-pix_fmt", "rgb24", url.path]
        try process.run()
        process.waitUntilExit()
        let red = try PNG.read(url)
        XCTAssertEqual(red.width, 6)
        XCTAssertEqual(red.height, 4)
        // lavfi makes the colour in YUV, so red comes back within a few levels of 255, 0, 0
        XCTAssertEqual(red.channels, 3)
        XCTAssertGreaterThan(red.pixels[0], 245)
        XCTAssertLessThan(red.pixels[1], 8)
        XCTAssertLessThan(red.pixels[2], 8)
    }

    func testCorruptFileNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("broken.png")
        try Data("not a png".utf8).write(to: url)
        XCTAssertThrowsError(try PNG.read(url)) { error in
            XCTAssertTrue("\(error)".contains("broken.png"), "\(error)")
        }
        XCTAssertThrowsError(try PNG.read(dir.file("missing.png"))) { error in
            XCTAssertTrue("\(error)".contains("missing.png"), "\(error)")
        }
    }
}
