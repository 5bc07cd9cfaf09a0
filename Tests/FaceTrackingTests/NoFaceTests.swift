import Datasets
import FaceTracking
import Foundation
import MediaIO
import TestSupport
import XCTest

/// The tracker's measures on what has no face, or no sound: each fails with the file named.
final class NoFaceTests: XCTestCase {
    var folder: TemporaryDirectory!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: FaceTracker.defaultModel.path) else { throw XCTSkip("libdlib-data is not installed") }
        folder = try TemporaryDirectory()
    }

    func noise(width: Int = 200, height: Int = 160, seed: UInt64 = 3) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        var image = RGBImage(width: width, height: height)
        for i in image.data.indices { image.data[i] = Float.random(in: 0...1, using: &rng) }
        return image
    }

    var photo: RGBImage { RGBImage(try! PNG.read(fixturesDirectory.appendingPathComponent("faces/einstein_crop.png"))) }

    func testANoisePhotoHasNoFace() throws {
        XCTAssertNil(try sharedTracker().largestFace(in: noise()))
        XCTAssertNil(try sharedTracker().largestFace(in: RGBImage(width: 64, height: 64, fill: Colour(0.5, 0.5, 0.5))))
    }

    func testPreparingAPhotoWithoutAFaceNamesTheFile() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let photo = folder.file("noise.png")
        try PNG.write(noise().image8(), to: photo)
        let out = folder.file("data")
        XCTAssertThrowsError(try DatasetPreparation.prepare(video: photo, out: out, options: .init(size: 64), tracker: sharedTracker())) { error in
            XCTAssertTrue("\(error)".contains(photo.path) && "\(error)".contains("no face"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// A small frame is enlarged for the detector and the landmarks come back in its own
    /// pixels: on Einstein's photograph shrunk to 96 px (a face 30 px wide) they still fit
    /// the hand-placed points (at 64 px the face, 17 px, is too small to be found).
    func testASmallFrameIsEnlargedAndItsLandmarksMappedBack() throws {
        let truth = try FaceLandmarks.readPTS(fixturesDirectory.appendingPathComponent("faces/einstein_crop.pts"))
        let small = photo.resized(width: 96, height: 96)
        let found = try XCTUnwrap(try sharedTracker().largestFace(in: small))
        let k = Float(96) / Float(photo.width)
        let scaledTruth = FaceLandmarks(points: truth.points.map { ($0 + 0.5) * k - 0.5 })
        XCTAssertLessThan(found.normalisedError(against: scaledTruth), 0.15)
    }

    func clip(_ name: String, _ frames: [RGBImage]) throws -> URL {
        let dir = folder.file(name + "_frames")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, frame) in frames.enumerated() { try PNG.write(frame.image8(), to: dir.appendingPathComponent(Video.frameName(i))) }
        let video = folder.file(name + ".mp4")
        try Video.encode(framesIn: dir, fps: 25, to: video)
        return video
    }

    func testSyncOfASilentVideoAsksForTheAudio() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let video = try clip("silent", Array(repeating: photo, count: 3))
        XCTAssertThrowsError(try SyncEvaluation.measure(video: video, tracker: sharedTracker())) { error in
            XCTAssertTrue("\(error)".contains(video.path) && "\(error)".contains("--audio"), "\(error)")
        }
    }

    func testSyncOfASoundFileSaysItIsNoVideo() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let speech = folder.file("speech.wav")
        try AudioFile.write(AudioClip(samples: (0..<1600).map { Float(0.2 * sin(Double($0) / 10)) }, sampleRate: 16000), to: speech)
        XCTAssertThrowsError(try SyncEvaluation.measure(video: speech, tracker: sharedTracker())) { error in
            XCTAssertTrue("\(error)".contains(speech.path) && "\(error)".contains("no video stream"), "\(error)")
        }
    }

    func testSyncOfAVideoWithoutAFaceNamesIt() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let video = try clip("noise", (0..<4).map { noise(seed: UInt64($0)) })
        let speech = folder.file("speech.wav")
        let samples = (0..<6400).map { Float(0.2 * sin(Double($0) * 2 * .pi * 220 / 16000)) }
        try AudioFile.write(AudioClip(samples: samples, sampleRate: 16000), to: speech)
        XCTAssertThrowsError(try SyncEvaluation.measure(video: video, audio: speech, tracker: sharedTracker())) { error in
            XCTAssertTrue("\(error)".contains(video.path) && "\(error)".contains("no face"), "\(error)")
        }
    }
}
