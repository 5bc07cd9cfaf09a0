import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import TestSupport

final class SpeakerDatasetTests: XCTestCase {
    /// Frame i carries i in binary as 6 big black/white blocks: robust to lossy video coding.
    func codedFrame(_ i: Int) -> RGBImage {
        var image = RGBImage(width: 48, height: 32, fill: Colour(0.5, 0.5, 0.5))
        for bit in 0..<6 {
            let on = (i >> bit) & 1 == 1
            for y in 8..<24 { for x in (bit * 8)..<(bit * 8 + 8) { image[x, y] = on ? Colour(1, 1, 1) : Colour(0, 0, 0) } }
        }
        return image
    }

    func decode(_ image: RGBImage) -> Int {
        (0..<6).reduce(0) { sum, bit in
            let c = image[bit * 8 + 4, 16]
            return sum | ((c.x + c.y + c.z) / 3 > 0.5 ? 1 << bit : 0)
        }
    }

    func testVideoRoundTripKeepsFrameCountAndOrder() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg not on PATH") }
        let scratch = try TemporaryDirectory()
        let source = try SpeakerDatasetWriter(at: scratch.file("source"))
        let n = 40
        for i in 0..<n { try source.writeFrame(i, codedFrame(i)) }
        try source.writeAudio(AudioClip(samples: (0..<25600).map { 0.2 * sin(Float($0) * 0.05) }, sampleRate: 16000))
        let folder = scratch.file("speaker")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Video.encode(framesIn: source.framesFolder, fps: 25, audio: source.root.appendingPathComponent("audio.wav"),
                         to: folder.appendingPathComponent("clip.mp4"))

        let dataset = try SpeakerDataset(at: folder)  // finds clip.mp4 and extracts it
        XCTAssertEqual(dataset.frameCount, n)
        XCTAssertEqual(dataset.meta.fps, 25, accuracy: 1e-9)
        XCTAssertEqual(dataset.meta.frameCount, n)
        XCTAssertTrue(dataset.hasAudio)
        XCTAssertEqual(try dataset.audio().duration, 1.6, accuracy: 0.1)
        XCTAssertEqual(try (0..<n).map { decode(try dataset.frame($0)) }, Array(0..<n))
        // Opening again reuses the extracted frames.
        XCTAssertEqual(try SpeakerDataset(at: folder).frameCount, n)
    }

    func testModelFramesAreCentreCroppedResizedTensors() throws {
        let scratch = try TemporaryDirectory()
        let writer = try SpeakerDatasetWriter(at: scratch.url)
        // 48×32 frame: the centred 32×32 square is x 8..<40; mark its left column red.
        var image = RGBImage(width: 48, height: 32, fill: Colour(0, 0, 1))
        for y in 0..<32 { for x in 8..<24 { image[x, y] = Colour(1, 0, 0) } }
        try writer.writeFrame(0, image)
        try writer.writeMeta(DatasetMeta(fps: 25))
        let dataset = try SpeakerDataset(at: scratch.url)
        let face = try dataset.frame(0, size: 16)
        XCTAssertEqual(face.width, 16)
        XCTAssertEqual(face[0, 0], Colour(1, 0, 0))   // left half red
        XCTAssertEqual(face[15, 0], Colour(0, 0, 1))  // right half blue
        let t = try dataset.frames(0..<1, size: 16)
        XCTAssertEqual(t.shape, [1, 3, 16, 16])
        XCTAssertEqual(t.pointer[0], 1)       // red channel, [-1, 1]
        XCTAssertEqual(t.pointer[2 * 256], -1)  // blue channel at the red pixel
        XCTAssertEqual(t.rgbImages()[0], face)
    }

    func testSplitIsByTimeWithAGap() {
        let (train, heldOut) = SpeakerDataset.split(frameCount: 1000, fps: 25, heldOutFraction: 0.1, gapSeconds: 1)
        XCTAssertEqual(heldOut, 900..<1000)
        XCTAssertEqual(train, 0..<875)
        let none = SpeakerDataset.split(frameCount: 10, fps: 25, heldOutFraction: 0, gapSeconds: 1)
        XCTAssertEqual(none.train, 0..<10)
        XCTAssertTrue(none.heldOut.isEmpty)
    }

    func testPoseAndMetaRoundTrip() throws {
        let scratch = try TemporaryDirectory()
        let pose = PoseTrack(yaw: [0.1, -0.2], pitch: [0, 0.05], roll: [0.3, 0])
        try pose.write(to: scratch.file("pose.csv"))
        XCTAssertEqual(try PoseTrack.read(scratch.file("pose.csv")), pose)
        let meta = DatasetMeta(fps: 30, crop: CropRect(x: 1, y: 2, width: 3, height: 4), frameCount: 2)
        try meta.write(to: scratch.file("meta.json"))
        XCTAssertEqual(try DatasetMeta.read(scratch.file("meta.json")), meta)
        XCTAssertTrue(try String(contentsOf: scratch.file("meta.json"), encoding: .utf8).contains("\"frame_count\""))
    }

    func testNotADatasetSaysWhy() throws {
        let scratch = try TemporaryDirectory()
        XCTAssertThrowsError(try SpeakerDataset(at: scratch.url)) { error in
            XCTAssertTrue("\(error)".contains("neither a frames/ folder nor a video file"), "\(error)")
        }
    }
}
