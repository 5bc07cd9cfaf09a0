import Foundation
import NeuralNetworks
import TalkingFace
import XCTest
import Datasets
import TestSupport

/// A stopped `generate` leaves its frames folder complete or absent, never half written.
final class InterruptedGenerationTests: XCTestCase {
    private func generate(_ speech: URL, to folder: URL, stoppingAfter stopFrame: Int? = nil) throws -> GeneratedVideo {
        try untrainedSpeaker.generate(speech: speech, steps: 1, batchSize: 2, to: folder, makeVideo: false) { stage, done, _ in
            if stage == .decode && done == stopFrame { raise(SIGTERM) }  // through InterruptSignal's handler
        }
    }

    func testASignalBetweenBatchesStopsAndLeavesNoFrames() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 0.4, to: speech)  // 10 frames, 5 batches
        let run = scratch.file("run")
        InterruptSignal.reset()
        InterruptSignal.install()
        defer {
            InterruptSignal.uninstall()
            InterruptSignal.reset()
        }

        XCTAssertThrowsError(try generate(speech, to: run, stoppingAfter: 4)) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "no frames, partial frames or meta.json")

        // An earlier complete output stays whole when a later run stops.
        InterruptSignal.reset()
        XCTAssertEqual(try generate(speech, to: run).frameCount, 10)
        XCTAssertThrowsError(try generate(speech, to: run, stoppingAfter: 4))
        XCTAssertEqual(try SpeakerDataset(at: run).frameCount, 10)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.path).sorted(),
                       ["frames", "latents.h5", "meta.json", "pose.csv"])

        // Partial frames left by a killed run go at the next start.
        InterruptSignal.reset()
        let partial = run.appendingPathComponent(".frames.partial")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: false)
        try Data("half".utf8).write(to: partial.appendingPathComponent("00000.png"))
        XCTAssertEqual(try generate(speech, to: run).frameCount, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.path))
    }
}
