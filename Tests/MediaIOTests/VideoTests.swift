import Foundation
import MediaIO
import XCTest

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
}
