import Datasets
import FaceTracking
import Foundation
import MediaIO
import TestSupport
import XCTest

/// The landmark measures of `eval` on hand-made faces, where the answer is known.
final class LandmarkMeasureTests: XCTestCase {
    /// A plausible frontal face: eyes, nose and mouth at their usual places, mouth corners
    /// 30 px apart, inner lips `gap` px apart.
    func face(gap: Float = 0, at origin: SIMD2<Float> = SIMD2(100, 100)) -> FaceLandmarks {
        var p = [SIMD2<Float>](repeating: .zero, count: 68)
        for i in 0..<17 { p[i] = SIMD2(-40 + 5 * Float(i), 20 + 30 * sin(Float(i) / 16 * .pi)) }   // jaw
        for i in 17..<27 { p[i] = SIMD2(-35 + 7 * Float(i - 17), -30 - 3 * sin(Float(i - 17) / 9 * .pi)) }  // brows
        for i in 27..<31 { p[i] = SIMD2(0, -20 + 6 * Float(i - 27)) }                          // nose bridge
        for i in 31..<36 { p[i] = SIMD2(-8 + 4 * Float(i - 31), 2 + abs(Float(i - 33))) }      // nostrils
        for (start, cx) in [(36, Float(-20)), (42, Float(20))] {                             // eyes
            for k in 0..<6 { let a = Float(k) / 6 * 2 * .pi; p[start + k] = SIMD2(cx - 8 * cos(a), -15 + 3 * sin(a)) }
        }
        for k in 0..<12 { let a = Float(k) / 12 * 2 * .pi; p[48 + k] = SIMD2(-15 * cos(a), 25 + (4 + gap / 2) * sin(-a)) }  // outer lips
        p[60] = SIMD2(-13, 25); p[64] = SIMD2(13, 25)                                         // inner corners
        for (top, bottom, x) in [(61, 67, Float(-6)), (62, 66, Float(0)), (63, 65, Float(6))] {
            p[top] = SIMD2(x, 25 - gap / 2)
            p[bottom] = SIMD2(x, 25 + gap / 2)
        }
        return FaceLandmarks(points: p.map { $0 + origin })
    }

    func testMouthOpeningIsTheInnerLipGapOverTheCornersDistance() {
        let open = face(gap: 6)
        XCTAssertEqual(open.mouthWidth, 30, accuracy: 1e-4)
        XCTAssertEqual(open.innerLipGap, 6, accuracy: 1e-4)
        XCTAssertEqual(open.mouthOpening, 0.2, accuracy: 1e-5)
        XCTAssertEqual(face(gap: 0).mouthOpening, 0)
        // scale-free: the same face twice as large opens the same
        let doubled = FaceLandmarks(points: open.points.map { $0 * 2 })
        XCTAssertEqual(doubled.mouthOpening, 0.2, accuracy: 1e-5)
    }

    func testASimilarityIsRecoveredFromItsPoints() throws {
        let known = SimilarityTransform(scale: 1.7, angle: 0.35, translation: SIMD2(-12, 40))
        let source = face(gap: 3).points
        let fitted = try XCTUnwrap(SimilarityTransform.fit(from: source, to: source.map { known($0) }))
        XCTAssertEqual(fitted.a, known.a, accuracy: 1e-6)
        XCTAssertEqual(fitted.b, known.b, accuracy: 1e-6)
        XCTAssertEqual(fitted.translation.x, known.translation.x, accuracy: 1e-3)
        XCTAssertEqual(fitted.translation.y, known.translation.y, accuracy: 1e-3)
        XCTAssertNil(SimilarityTransform.fit(from: Array(repeating: SIMD2(1, 1), count: 5), to: source.prefix(5).map { $0 }))
    }

    func testLMDIsZeroForTheSameFaceAndUnmovedByASimilarity() {
        let truth = face(gap: 4)
        XCTAssertEqual(truth.mouthDistance(to: truth), 0, accuracy: 1e-9)
        let moved = SimilarityTransform(scale: 0.6, angle: -0.4, translation: SIMD2(55, -20))
        let pred = FaceLandmarks(points: truth.points.map { moved($0) })
        XCTAssertEqual(pred.mouthDistance(to: truth), 0, accuracy: 1e-5)
    }

    func testLMDIsTheMouthsShiftOverTheEyeDistance() {
        let truth = face(gap: 4)
        var shifted = truth.points
        for i in FaceLandmarks.mouthPoints { shifted[i].y += 3 }   // the whole mouth 3 px lower
        let moved = SimilarityTransform(scale: 2, angle: 0.3, translation: SIMD2(10, 10))
        let pred = FaceLandmarks(points: shifted.map { moved($0) })
        let expected = 3 / Double(truth.interOcularDistance)
        XCTAssertEqual(pred.mouthDistance(to: truth), expected, accuracy: 1e-5)
    }

    /// A smooth random "loudness" and a mouth that follows it `k` frames later: the best lag
    /// is +k with r 1, and lag 0 scores less. A mouth that leads gives a negative lag.
    func testSyncFindsTheShiftOfASyntheticSignal() {
        var rng = SplitMix64(seed: 7)
        var loudness: [Double] = []
        var level = 0.0
        for _ in 0..<200 { level = 0.7 * level + Double.random(in: -1...1, using: &rng); loudness.append(level) }
        for k in [3, -2, 0, 8] {
            let mouth: [Double?] = loudness.indices.map { t in t - k >= 0 && t - k < loudness.count ? 0.5 * loudness[t - k] + 2 : nil }
            let score = SyncScore(mouth: mouth, loudness: loudness, maximumLag: 8)
            XCTAssertEqual(score.bestLag, k, "\(score.correlationByLag)")
            XCTAssertEqual(score.bestCorrelation, 1, accuracy: 1e-9)
            XCTAssertEqual(score.correlationByLag.count, 17)
            if k != 0 { XCTAssertLessThan(score.correlationAtZeroLag, 0.9) }
        }
    }

    func testSyncLeavesFramesWithoutAFaceOut() {
        let loudness = (0..<40).map { sin(Double($0) / 3) }
        var mouth: [Double?] = loudness
        mouth[5] = nil
        mouth[6] = nil
        let score = SyncScore(mouth: mouth, loudness: loudness, maximumLag: 4)
        XCTAssertEqual(score.frames, 38)
        XCTAssertEqual(score.bestLag, 0)
        XCTAssertEqual(score.correlationAtZeroLag, 1, accuracy: 1e-9)
    }

    /// A tone of amplitude a over the first 10 frames, silence after: RMS a/√2 in dB, then the floor.
    func testTheLoudnessEnvelopeIsTheRMSOfEachFrameInDecibels() {
        let rate = 16000, fps = 25.0, a = 0.5
        let samples = (0..<(rate * 20 / 25)).map { $0 < rate * 10 / 25 ? Float(a * sin(Double($0) * 2 * .pi * 400 / Double(rate))) : 0 }
        let envelope = LoudnessEnvelope.perFrame(AudioClip(samples: samples, sampleRate: rate), fps: fps, frames: 30)
        XCTAssertEqual(envelope.count, 20, "only frames the audio covers")
        for db in envelope.prefix(10) { XCTAssertEqual(db, 20 * log10(a / 2.0.squareRoot()), accuracy: 0.01) }
        for db in envelope.suffix(10) { XCTAssertEqual(db, LoudnessEnvelope.defaultFloorDecibels) }
    }

    func testLandmarkEvaluationCountsAndNamesFramesWithoutAFace() {
        let faces: [FaceObservation?] = (0..<6).map { FaceObservation(landmarks: face(gap: Float($0)), pose: HeadPose(yaw: 0.1 * Float($0))) }
        var pred = faces
        pred[2] = nil
        var truth = faces
        truth[4] = nil
        pred[5]!.pose.yaw += 10 * .pi / 180
        let evaluation = LandmarkEvaluation(predicted: pred, truth: truth)
        XCTAssertEqual(evaluation.frames, 6)
        XCTAssertEqual(evaluation.framesMeasured, 4)
        XCTAssertEqual(evaluation.framesWithoutFacePredicted, [2])
        XCTAssertEqual(evaluation.framesWithoutFaceTruth, [4])
        XCTAssertEqual(evaluation.mouthOpeningCorrelation, 1, accuracy: 1e-6)
        XCTAssertEqual(evaluation.mouthDistance, 0, accuracy: 1e-6)
        XCTAssertEqual(evaluation.yawErrorDegrees, 10.0 / 4, accuracy: 1e-3)
        XCTAssertEqual(evaluation.pitchErrorDegrees, 0)
        XCTAssertNil(evaluation.perFrame.mouthDistance[2])
        XCTAssertTrue(evaluation.tableRows().contains { $0.name == "no face in pred" && $0.value == "1 frame: 2" }, "\(evaluation.tableRows())")
    }
}
