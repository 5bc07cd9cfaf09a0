import Foundation
import MediaIO
import XCTest
import TestSupport

final class VideoTests: XCTestCase {
    func testMissingToolIsAClearError() {
        XCTAssertThrowsError(try Video.locate("no-such-tool-talkingface")) { error in
            XCTAssertTrue("\(error)".contains("no-such-tool-talkingface was not found on PATH"), "\(error)")
        }
    }

    /// Frames → MP4 (with audio) → frames keeps the count, the size, and roughly the pixels.
    func testEncodeThenExtractKeepsFrames() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg not on PATH") }
        let dir = try TemporaryDirectory()
        let frames = dir.file("in"), back = dir.file("out")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let n = 12
        for i in 0..<n {
            // a flat gray level that rises with the frame index survives compression
            let level = UInt8(20 + 18 * i)
            try PNG.write(Image8(width: 32, height: 24, channels: 3, repeating: level), to: frames.appendingPathComponent(Video.frameName(i)))
        }
        let audio = dir.file("tone.wav")
        try AudioFile.write(AudioClip(samples: (0..<8000).map { 0.3 * sin(Float($0) * 0.1) }, sampleRate: 16000), to: audio)
        let video = dir.file("clip.mp4")
        try Video.encode(framesIn: frames, fps: 25, audio: audio, to: video)
        XCTAssertEqual(try Video.frameRate(of: video), 25, accuracy: 1e-6)
        XCTAssertTrue(try Video.hasAudio(video))
        XCTAssertEqual(try Video.extractFrames(from: video, to: back), n)
        for i in 0..<n {
            let image = try PNG.read(back.appendingPathComponent(Video.frameName(i)))
            XCTAssertEqual(image.width, 32)
            XCTAssertEqual(Double(image.pixels[image.pixels.count / 2]), Double(20 + 18 * i), accuracy: 4, "frame \(i)")
        }
    }

    /// A 30 fps clip taken at 25 fps keeps its duration: 30 frames (1 s) → 25 frames.
    func testExtractAtAnotherFrameRateKeepsTheDuration() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg not on PATH") }
        let dir = try TemporaryDirectory()
        let frames = dir.file("in")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        for i in 0..<30 {
            try PNG.write(Image8(width: 32, height: 24, channels: 3, repeating: UInt8(4 * i)), to: frames.appendingPathComponent(Video.frameName(i)))
        }
        let video = dir.file("clip.mp4")
        try Video.encode(framesIn: frames, fps: 30, to: video)
        XCTAssertEqual(try Video.extractFrames(from: video, to: dir.file("native")), 30)
        XCTAssertEqual(try Video.extractFrames(from: video, to: dir.file("at25"), frameRate: 25), 25)
        // the last frame at 25 fps is the one shown at 0.96 s: source frame 28 or 29
        let last = try PNG.read(dir.file("at25").appendingPathComponent(Video.frameName(24)))
        XCTAssertEqual(Double(last.pixels[last.pixels.count / 2]), 4 * 28.5, accuracy: 6)
    }
}
