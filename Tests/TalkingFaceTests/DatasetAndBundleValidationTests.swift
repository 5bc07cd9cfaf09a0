import Autodiff
import Datasets
import Foundation
import MediaIO
import TalkingFace
import XCTest
import TestSupport

/// Every way into a data set, a bundle or a latents file meets bad values with an error
/// naming the file, the key or row, and the reason.
final class DatasetAndBundleValidationTests: XCTestCase {
    /// A data set of `frames` 8×6 frames with `meta`.
    func makeDataset(frames: Int = 3, meta: DatasetMeta = DatasetMeta(fps: 25)) throws -> TemporaryDirectory {
        let scratch = try TemporaryDirectory()
        let writer = try SpeakerDatasetWriter(at: scratch.url)
        for i in 0..<frames { try writer.writeFrame(i, RGBImage(width: 8, height: 6, fill: Colour(0.5, 0.2, 0.1))) }
        try writer.writeMeta(meta)
        return scratch
    }

    func assertError(_ body: @autoclosure () throws -> Any, names parts: String..., line: UInt = #line) {
        assertError(try body(), names: parts, line: line)
    }

    func assertError(_ body: @autoclosure () throws -> Any, names parts: [String], line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let message = "\(error)"
            for part in parts { XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)", line: line) }
        }
    }

    func testDatasetMetaValuesAreChecked() throws {
        let scratch = try makeDataset()
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).frameCount, 3)
        let metaURL = scratch.file("meta.json")
        let cases: [(String, String)] = [
            (#"{"fps": 0}"#, "'fps'"), (#"{"fps": -25}"#, "'fps'"), (#"{"fps": 1e300}"#, "'fps'"),
            (#"{"fps": 25, "pose_units": "gradians"}"#, "'pose_units'"),
            (#"{"fps": 25, "width": 0, "height": 6}"#, "'width'"), (#"{"fps": 25, "width": 8, "height": 100000000}"#, "'height'"),
            (#"{"fps": 25, "crop": {"x": 0, "y": 0, "width": 0, "height": 4}}"#, "'crop'"),
            (#"{"fps": 25, "crop": {"x": -2, "y": 0, "width": 4, "height": 4}}"#, "'crop'"),
            (#"{"fps": 25, "width": 8, "height": 6, "crop": {"x": 6, "y": 0, "width": 4, "height": 4}}"#, "'crop'"),
            // No sizes in meta.json: the crop is checked against the frames themselves.
            (#"{"fps": 25, "crop": {"x": 100, "y": 100, "width": 50, "height": 50}}"#, "'crop'"),
            (#"{"fps": 25, "crop": {"x": 0, "y": 0, "width": 8, "height": 7}}"#, "'crop'"),
        ]
        for (json, key) in cases {
            try Data(json.utf8).write(to: metaURL)
            assertError(try SpeakerDataset(at: scratch.url), names: metaURL.path, key)
        }
        try Data(#"{"fps": 25, "crop": {"x": 2, "y": 1, "width": 6, "height": 5}}"#.utf8).write(to: metaURL)
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).frame(2, size: 4).width, 4)
    }

    func testFrameFoldersMustBeNumberedWithoutGapsInOneSizeAndBePNG() throws {
        let scratch = try makeDataset(frames: 5)
        let frames = scratch.file("frames")
        try FileManager.default.removeItem(at: frames.appendingPathComponent("00002.png"))
        assertError(try SpeakerDataset(at: scratch.url), names: frames.appendingPathComponent("00002.png").path, "missing", "00003.png")

        try PNG.write(RGBImage(width: 8, height: 6).image8(), to: frames.appendingPathComponent("00002.png"))
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).frameCount, 5)

        try PNG.write(RGBImage(width: 6, height: 8).image8(), to: frames.appendingPathComponent("00003.png"))
        assertError(try SpeakerDataset(at: scratch.url), names: frames.appendingPathComponent("00003.png").path, "6×8", "8×6")
        try PNG.write(RGBImage(width: 8, height: 6).image8(), to: frames.appendingPathComponent("00003.png"))

        try Data("not a picture".utf8).write(to: frames.appendingPathComponent("00004.png"))
        assertError(try SpeakerDataset(at: scratch.url), names: frames.appendingPathComponent("00004.png").path, "not a PNG")
        try FileManager.default.removeItem(at: frames.appendingPathComponent("00004.png"))

        try Data("jpeg bytes".utf8).write(to: frames.appendingPathComponent("00004.jpg"))
        assertError(try SpeakerDataset(at: scratch.url), names: frames.appendingPathComponent("00004.jpg").path, "00004.png")
        try FileManager.default.removeItem(at: frames.appendingPathComponent("00004.jpg"))
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).frameCount, 4)
    }

    func testFrameCountBeyondTheFramesAndAFramesFileAreNamed() throws {
        let scratch = try makeDataset(frames: 3, meta: DatasetMeta(fps: 25, frameCount: 5))
        assertError(try SpeakerDataset(at: scratch.url), names: scratch.file("meta.json").path, "'frame_count'", "5", "holds 3")
        try DatasetMeta(fps: 25, frameCount: 2).write(to: scratch.file("meta.json"))
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).frameCount, 3, "more frames than counted are read")

        let frames = scratch.file("frames")
        try FileManager.default.removeItem(at: frames)
        try Data("x".utf8).write(to: frames)
        assertError(try SpeakerDataset(at: scratch.url), names: frames.path, "is a file, not a folder of PNG frames")
    }

    /// The whole speech is read before training on it: every sample sound, and as long as the
    /// frames (3 frames at 25 fps: 0.12 s, within a second).
    func testDatasetAudioIsCheckedThroughAndAgainstTheFrames() throws {
        let scratch = try makeDataset(frames: 3)
        let audio = scratch.file("audio.wav")
        let dataset = try SpeakerDataset(at: scratch.url)
        assertError(try dataset.checkAudio(), names: "audio.wav is missing")
        try makeFloatWAV(sampleRate: 16000, samples: [Float](repeating: 0.1, count: 1920)).write(to: audio)
        XCTAssertEqual(try dataset.checkAudio(), 0.12, accuracy: 1e-9)
        for (bad, words) in [(Float.nan, ["finite"]), (1e30, ["[-1, 1]"])] {
            var samples = [Float](repeating: 0.1, count: 1920)
            samples[100] = bad
            try makeFloatWAV(sampleRate: 16000, samples: samples).write(to: audio)
            assertError(try dataset.checkAudio(), names: [audio.path, "sample 100"] + words)
        }
        try makeFloatWAV(sampleRate: 16000, samples: [Float](repeating: 0.1, count: 16000 * 3)).write(to: audio)
        assertError(try dataset.checkAudio(), names: audio.path, "length:", "3.00 s of speech", "0.12 s")
        try Data().write(to: audio)
        assertError(try dataset.checkAudio(), names: audio.path, "empty")
    }

    /// Latents picked from for a data set must be its own: frames inside it, its frame rate,
    /// and (for the reference) every training frame.
    func testLatentsMustComeFromTheDataSet() throws {
        let scratch = try makeDataset(frames: 3)
        let dataset = try SpeakerDataset(at: scratch.url)
        let url = scratch.file("latents.h5")
        let zSem = Tensor(shape: [3, 2], repeating: 0.2)
        XCTAssertNoThrow(try Latents(zSem: zSem, frames: [0, 1, 2], attributes: ["fps": "25.0"]).requireEncoded(from: dataset, file: url))
        assertError(try Latents(zSem: zSem, frames: [0, 1, 7]).requireEncoded(from: dataset, file: url),
                    names: url.path, "'frames'", "frame 7", "3 frames", "another data set")
        assertError(try Latents(zSem: Tensor(shape: [4, 2], repeating: 0)).requireEncoded(from: dataset, file: url),
                    names: url.path, "4 rows", "3 frames")
        assertError(try Latents(zSem: zSem, attributes: ["fps": "30.0"]).requireEncoded(from: dataset, file: url),
                    names: url.path, "'fps'", "30.0", "25.0")
        assertError(try Latents(zSem: Tensor(shape: [2, 2], repeating: 0), frames: [0, 1]).requireFrames(0..<3, of: dataset, file: url, for: "the test"),
                    names: url.path, "'frames'", "not frame 2", "the test")
    }

    /// eval reads its frame folders as the data sets do: no gap, one size.
    func testEvaluatedFrameFoldersAreChecked() throws {
        func frames(_ n: Int) throws -> TemporaryDirectory {
            let scratch = try TemporaryDirectory()
            let writer = try SpeakerDatasetWriter(at: scratch.url)
            for i in 0..<n { try writer.writeFrame(i, RGBImage(width: 32, height: 32, fill: Colour(0.5, 0.2, 0.1))) }
            return scratch
        }
        let truth = try frames(4), pred = try frames(4)
        XCTAssertEqual(try Evaluation.evaluate(pred: pred.url, truth: truth.url, analytic: false).frames, 4)
        let frames = truth.file("frames")
        try PNG.write(RGBImage(width: 6, height: 8).image8(), to: frames.appendingPathComponent("00002.png"))
        assertError(try Evaluation.evaluate(pred: pred.url, truth: truth.url, analytic: false),
                    names: frames.appendingPathComponent("00002.png").path, "6×8", "32×32")
        try FileManager.default.removeItem(at: frames.appendingPathComponent("00002.png"))
        assertError(try Evaluation.evaluate(pred: pred.url, truth: truth.url, analytic: false),
                    names: frames.appendingPathComponent("00002.png").path, "missing")

        let tiny = try makeDataset(frames: 2)  // 8×6 frames: smaller than SSIM's 11×11 window
        assertError(try Evaluation.evaluate(pred: pred.url, truth: tiny.url, analytic: false),
                    names: tiny.file("frames/00000.png").path, "8×6", "11×11")
    }

    func testDatasetPoseValuesAreChecked() throws {
        let scratch = try makeDataset()
        let poseURL = scratch.file("pose.csv")
        let cases: [(String, [String])] = [
            ("frame,yaw,pitch,roll\n0,0,0,0\n1,nan,0,0\n2,0,0,0\n", ["line 3", "'yaw'", "finite"]),
            ("frame,yaw,pitch,roll\n0,0,0,0\n1,0,1e30,0\n2,0,0,0\n", ["line 3", "'pitch'"]),
            ("frame,yaw,pitch,roll\n0,0,0,0\n1,0,0,35\n2,0,0,0\n", ["line 3", "'roll'", "±π", "degrees"]),
            ("frame,yaw,pitch,roll\n0,0,0,0\n2,0,0,0\n1,0,0,0\n", ["line 3", "expected 1"]),
        ]
        for (text, parts) in cases {
            try Data(text.utf8).write(to: poseURL)
            assertError(try SpeakerDataset(at: scratch.url), names: [poseURL.path] + parts)
        }
        // Degrees declared: 35 is fine, 400 is not.
        try Data("frame,yaw,pitch,roll\n0,0,0,0\n1,0,0,35\n2,0,0,0\n".utf8).write(to: poseURL)
        try DatasetMeta(fps: 25, poseUnits: "degrees").write(to: scratch.file("meta.json"))
        XCTAssertEqual(try SpeakerDataset(at: scratch.url).pose!.roll[1], 35 * .pi / 180, accuracy: 1e-6)
        try Data("frame,yaw,pitch,roll\n0,0,0,0\n1,0,0,400\n2,0,0,0\n".utf8).write(to: poseURL)
        assertError(try SpeakerDataset(at: scratch.url), names: poseURL.path, "line 3", "400", "±180")
    }

    func testPoseOverrideAnglesAreCheckedAndDegreesSuggested() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("pose.csv")
        try Data("frame,yaw,pitch,roll\n0,0.1,0,0\n1,20,0,0\n".utf8).write(to: url)
        assertError(try PoseTrack.readOverride(url), names: url.path, "line 3", "'yaw'", "--pose-degrees")
        XCTAssertEqual(try PoseTrack.readOverride(url, degrees: true).yaw[1], 20 * .pi / 180, accuracy: 1e-6)
        try Data("frame,yaw,pitch,roll\n0,0.1,0,inf\n".utf8).write(to: url)
        assertError(try PoseTrack.readOverride(url), names: url.path, "line 2", "'roll'", "finite")
    }

    func testSpeakerMetaValuesAreChecked() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("meta.json")
        let good = SpeakerMeta(name: "x", fps: 25, imageSize: 64)
        try good.write(to: url)
        XCTAssertEqual(try SpeakerMeta.read(url), good)
        for (change, key) in [({ (m: inout SpeakerMeta) in m.fps = 0 }, "'fps'"), ({ $0.fps = -1 }, "'fps'"),
                              ({ $0.imageSize = 0 }, "'image_size'"), ({ $0.imageSize = 1 << 40 }, "'image_size'"),
                              ({ $0.defaultSteps = 0 }, "'default_steps'"), ({ $0.poseUnits = "gradians" }, "'pose_units'"),
                              ({ $0.daePreset = "giant" }, "'dae_preset'"), ({ $0.s2lPreset = "huge" }, "'s2l_preset'")] {
            var meta = good
            change(&meta)
            try meta.write(to: url)
            assertError(try SpeakerMeta.read(url), names: url.path, key)
        }
    }

    func testReferenceAndLatentsMustBeFinite() throws {
        let scratch = try TemporaryDirectory()
        let xT = Tensor(shape: [1, 3, 2, 2], repeating: 0.5)
        let reference = SpeakerReference(xT: xT, zSem: Tensor(shape: [1, 4], repeating: 0.1), frameIndex: 0, stochasticSteps: 5)
        let url = scratch.file("reference.h5")
        try reference.write(to: url)
        XCTAssertEqual(try SpeakerReference.read(url).xT.values, xT.values)
        xT.pointer[7] = .nan
        try reference.write(to: url)
        assertError(try SpeakerReference.read(url), names: url.path, "'x_T'", "finite")

        let latentsURL = scratch.file("latents.h5")
        let zSem = Tensor(shape: [3, 4], repeating: 0.2)
        try TensorFile.write(["z_sem": zSem], integers: ["frames": [0, 1, 2]], to: latentsURL)
        XCTAssertEqual(try Latents.read(latentsURL).zSem.size(0), 3)
        zSem.pointer[5] = -.infinity
        try TensorFile.write(["z_sem": zSem], integers: ["frames": [0, 1, 2]], to: latentsURL)
        assertError(try Latents.read(latentsURL), names: latentsURL.path, "'z_sem'", "finite")
    }
}
