import Datasets
import FaceTracking
import Foundation
import MediaIO
import TestSupport
import XCTest

/// `prepare` end to end on short clips made from the Einstein photograph: a face throughout,
/// no face, a face lost for too long, two faces, no sound.
final class DatasetPreparationTests: XCTestCase {
    var folder: TemporaryDirectory!
    var tracker: FaceTracker!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: FaceTracker.defaultModel.path) else { throw XCTSkip("libdlib-data is not installed") }
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        folder = try TemporaryDirectory()
        tracker = try sharedTracker()
    }

    var photo: RGBImage { RGBImage(try! PNG.read(fixturesDirectory.appendingPathComponent("faces/einstein_crop.png"))) }

    /// A clip of `frames` (25 fps), with a second of tone as its sound unless `silent`.
    func clip(_ name: String, _ frames: [RGBImage], silent: Bool = false) throws -> URL {
        let dir = folder.file(name + "_frames")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, frame) in frames.enumerated() { try PNG.write(frame.image8(), to: dir.appendingPathComponent(Video.frameName(i))) }
        var audio: URL?
        if !silent {
            let samples = (0..<(16000 * frames.count / 25)).map { Float(0.1 * sin(Double($0) * 2 * .pi * 220 / 16000)) }
            audio = folder.file(name + ".wav")
            try AudioFile.write(AudioClip(samples: samples, sampleRate: 16000), to: audio!)
        }
        let video = folder.file(name + ".mp4")
        try Video.encode(framesIn: dir, fps: 25, audio: audio, to: video)
        return video
    }

    /// The photo shifted right by `dx` pixels on a grey canvas: a head that moves.
    func shifted(_ dx: Int) -> RGBImage {
        var out = RGBImage(width: 340, height: 300, fill: Colour(0.5, 0.5, 0.5))
        let p = photo
        for y in 0..<p.height { for x in 0..<p.width { out[x + dx, y] = p[x, y] } }
        return out
    }

    func testAClipWithAFaceBecomesADataSet() throws {
        let video = try clip("face", (0..<12).map { shifted(min($0 * 3, 40)) })
        let out = folder.file("data")
        let report = try DatasetPreparation.prepare(video: video, out: out, options: .init(size: 64), tracker: tracker)
        XCTAssertEqual(report.frames, 12)
        XCTAssertEqual(report.detected + report.tracked, 12)
        XCTAssertGreaterThanOrEqual(report.detected, 6)
        XCTAssertTrue(report.hasAudio)
        let data = try SpeakerDataset(at: out)
        XCTAssertEqual(data.frameCount, 12)
        XCTAssertEqual(try data.frame(0).width, 64)
        XCTAssertNotNil(data.pose)
        XCTAssertEqual(data.meta.source?["video_path"], video.standardizedFileURL.path, "the recording, for pasting back")
        XCTAssertEqual(try data.audio().samples.count, 16000 * 12 / 25, accuracy: 1200)  // AAC pads a frame or two
        let crop = try JSONDecoder().decode(DatasetPreparation.CropFile.self, from: Data(contentsOf: out.appendingPathComponent("crop.json")))
        XCTAssertEqual(crop.boxes.count, 12)
        XCTAssertTrue(crop.boxes.allSatisfy { $0 == crop.boxes[0] }, "the default crop is one box for the clip")
        XCTAssertEqual(crop.sourceWidth, 340)
        let landmarks = try CSVTable.read(out.appendingPathComponent("landmarks.csv"))
        XCTAssertEqual(landmarks.rows.count, 12)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path + ".partial"))
    }

    func testNoFaceIsAnErrorAndLeavesNothing() throws {
        let video = try clip("blank", Array(repeating: RGBImage(width: 200, height: 200, fill: Colour(0.3, 0.3, 0.3)), count: 5))
        let out = folder.file("data")
        XCTAssertThrowsError(try DatasetPreparation.prepare(video: video, out: out, options: .init(size: 64), tracker: tracker)) { error in
            XCTAssertTrue("\(error)".contains("no face"), "\(error)")
        }
        XCTAssertEqual(try folder.contents().filter { $0.hasPrefix("data") }, [])
    }

    func testAFaceLostForMoreThanASecondNamesTheFrames() throws {
        let blank = RGBImage(width: 340, height: 300, fill: Colour(0.5, 0.5, 0.5))
        let frames = Array(repeating: shifted(0), count: 3) + Array(repeating: blank, count: 30) + Array(repeating: shifted(0), count: 3)
        let video = try clip("lost", frames)
        XCTAssertThrowsError(try DatasetPreparation.prepare(video: video, out: folder.file("data"), options: .init(size: 64), tracker: tracker)) { error in
            XCTAssertTrue("\(error)".contains("frames 3–32"), "\(error)")
        }
    }

    func testSeveralFacesTakeTheLargestAndSaySo() throws {
        var two = RGBImage(width: 560, height: 300, fill: Colour(0.5, 0.5, 0.5))
        let p = photo, small = photo.resized(width: 250, height: 250)
        for y in 0..<p.height { for x in 0..<p.width { two[x, y] = p[x, y] } }
        for y in 0..<small.height { for x in 0..<small.width { two[x + 305, y + 25] = small[x, y] } }
        let video = try clip("two", Array(repeating: two, count: 4))
        let out = folder.file("data")
        let report = try DatasetPreparation.prepare(video: video, out: out, options: .init(size: 64), tracker: tracker)
        XCTAssertEqual(report.framesWithSeveralFaces, [0, 1, 2, 3])
        let crop = try JSONDecoder().decode(DatasetPreparation.CropFile.self, from: Data(contentsOf: out.appendingPathComponent("crop.json")))
        XCTAssertLessThan(crop.boxes[0].centreX, 300, "the crop is on the larger face, on the left")
    }

    func testASilentClipGivesADataSetWithoutAudio() throws {
        let video = try clip("silent", Array(repeating: shifted(0), count: 4), silent: true)
        let out = folder.file("data")
        let report = try DatasetPreparation.prepare(video: video, out: out, options: .init(size: 64, align: true), tracker: tracker)
        XCTAssertFalse(report.hasAudio)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("audio.wav").path))
        XCTAssertEqual(try SpeakerDataset(at: out).frameCount, 4)
    }

    func testAnExistingOutputIsNeverTouched() throws {
        let video = try clip("face", Array(repeating: shifted(0), count: 2))
        let out = folder.file("mine")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("note.txt"))
        XCTAssertThrowsError(try DatasetPreparation.prepare(video: video, out: out, options: .init(size: 64), tracker: tracker))
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("note.txt"), encoding: .utf8), "keep")
    }
}
