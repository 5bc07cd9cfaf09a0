import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import DrawnFace
import SyntheticSpeaker
import TestSupport

final class SyntheticSpeakerTests: XCTestCase {
    /// Runs the `talkingface` executable built next to this test bundle.
    func synth(_ arguments: [String]) throws {
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("talkingface")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            return XCTFail("\(tool.path) is missing; build all products (swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["synth"] + arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "talkingface synth \(arguments)")
    }

    /// Same seed → same bytes, for every file, across separate runs of the tool (espeak-ng
    /// keeps state between calls inside one process, so runs are compared as processes).
    func testSameSeedGivesIdenticalFiles() throws {
        let scratch = try TemporaryDirectory()
        let a = scratch.file("a/speaker_01"), b = scratch.file("b/speaker_01"), c = scratch.file("c/speaker_01")
        try synth(["--out", scratch.file("a").path, "--speakers", "2", "--minutes", "0.05", "--size", "32", "--seed", "42"])
        try synth(["--out", scratch.file("b").path, "--speakers", "2", "--minutes", "0.05", "--size", "32", "--seed", "42"])
        try synth(["--out", scratch.file("c").path, "--speakers", "2", "--minutes", "0.05", "--size", "32", "--seed", "43"])
        let files = filesUnder(a)
        XCTAssertEqual(files, filesUnder(b))
        for name in ["audio.wav", "meta.json", "pose.csv", "factors.csv", "factors.h5", "phonemes.csv", "transcript.txt", "frames/00074.png"] {
            XCTAssertTrue(files.contains(name), name)
        }
        XCTAssertFalse(files.contains("frames/00075.png"))
        for name in files {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)), name)
        }
        XCTAssertNotEqual(try Data(contentsOf: a.appendingPathComponent("frames/00040.png")),
                          try Data(contentsOf: c.appendingPathComponent("frames/00040.png")), "another seed, another speaker")

        // The data set reads back through the data-set layer with its labels.
        let dataset = try SpeakerDataset(at: a)
        XCTAssertEqual(dataset.frameCount, 75)
        XCTAssertEqual(dataset.pose?.count, 75)
        XCTAssertEqual(try dataset.audio(sampleRate: 16000).duration, 3, accuracy: 0.01)
        let factors = try TensorFile.read(a.appendingPathComponent("factors.h5"))
        XCTAssertEqual(factors.tensors["jaw_open"]?.shape, [75])
        XCTAssertEqual(Set(factors.tensors.keys), Set(FrameFactors.names))
        XCTAssertNotNil(factors.attributes["identity"])
    }

    func testSpeakersDifferInFaceAndVoice() {
        let a = SyntheticSpeaker(index: 0, seed: 9), b = SyntheticSpeaker(index: 1, seed: 9)
        XCTAssertNotEqual(a.identity, b.identity)
        XCTAssertNotEqual(a.voice.name, b.voice.name)
    }

    /// Motion statistics over 20 s: the head moves but stays in range, blinks come every few seconds.
    func testMotionIsNatural() throws {
        let timeline = try SyntheticSpeaker(index: 2, seed: 5).timeline(seconds: 20, fps: 25, renderer: FaceRenderer(size: 64))
        let yaw = timeline.frames.map(\.pose.yaw)
        XCTAssertLessThanOrEqual(yaw.map(abs).max()!, 0.45)
        XCTAssertGreaterThan(yaw.max()! - yaw.min()!, 0.05, "the head moves")
        let steps = zip(yaw.dropFirst(), yaw).map { abs($0 - $1) }
        XCTAssertLessThan(steps.max()!, 0.05, "and moves smoothly")
        let blink = timeline.frames.map(\.expression.blink)
        let onsets = zip(blink.dropFirst(), blink).filter { $0 >= 0.5 && $1 < 0.5 }.count
        XCTAssertTrue((3...14).contains(onsets), "\(onsets) blinks in 20 s")
    }
}
