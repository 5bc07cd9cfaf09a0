import Foundation
import MediaIO
import XCTest
import TalkingFace
import SyntheticSpeaker
import TestSupport

/// `talkingface eval` on synthetic truth: the analytic series and their ceiling.
final class EvaluationTests: XCTestCase {
    /// The truth frames measured against factors.csv are what a perfect prediction scores:
    /// evaluating the truth against itself gives exactly that figure, and another prediction
    /// leaves it unchanged.
    func testTheCeilingIsWhatTheTruthFramesThemselvesScore() throws {
        let scratch = try TemporaryDirectory()
        try SyntheticSpeaker(index: 1, seed: 3).write(to: scratch.file("truth"), seconds: 4, fps: 25, size: 64)
        let truth = scratch.file("truth")

        let perfect = try Evaluation.evaluate(pred: truth, truth: truth)
        XCTAssertEqual(perfect.analyticTruth, "factors.csv")
        let ceiling = try XCTUnwrap(perfect.truthFramesMouthOpening)
        XCTAssertEqual(perfect.mouthOpening, ceiling)
        XCTAssertEqual(ceiling.frames, 100)
        XCTAssertGreaterThan(ceiling.correlation, 0.5, "the measurement should follow the rendered mouth")

        // the frames in reverse order: a worse prediction, the same ceiling
        let reversed = scratch.file("reversed")
        try FileManager.default.createDirectory(at: reversed, withIntermediateDirectories: true)
        let frames = Evaluation.frameFolder(truth)
        for i in 0..<100 {
            try FileManager.default.copyItem(at: frames.appendingPathComponent(Video.frameName(99 - i)),
                                             to: reversed.appendingPathComponent(Video.frameName(i)))
        }
        let worse = try Evaluation.evaluate(pred: reversed, truth: truth)
        XCTAssertEqual(worse.truthFramesMouthOpening, ceiling)
        XCTAssertLessThan(try XCTUnwrap(worse.mouthOpening).correlation, ceiling.correlation)
    }

    /// Without factors.csv there is no truth to hold the truth frames against.
    func testNoCeilingWhenTheTruthFramesAreTheTruth() throws {
        let scratch = try TemporaryDirectory()
        try SyntheticSpeaker(index: 1, seed: 3).write(to: scratch.file("truth"), seconds: 1, fps: 25, size: 32)
        let framesOnly = Evaluation.frameFolder(scratch.file("truth"))
        let report = try Evaluation.evaluate(pred: framesOnly, truth: framesOnly, analytic: true)
        XCTAssertEqual(report.analyticTruth, "truth frames")
        XCTAssertNil(report.truthFramesMouthOpening)
        XCTAssertNotNil(report.mouthOpening)
    }
}
