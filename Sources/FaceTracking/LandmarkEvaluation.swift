import Datasets
import Foundation

/// Generated frames against the truth through the face tracker, for real faces (where the
/// drawn speaker's analytic measurement does not apply): the mouth opening of each (inner-lip
/// gap ÷ mouth width) and their correlation, LMD (the mouth's landmark distance after
/// aligning the faces on eyes and nose, ÷ inter-ocular distance) and the head-pose error.
/// Each frame is measured on its own. A frame where either face is not found is left out of
/// every figure and listed by number.
public struct LandmarkEvaluation: Codable, Equatable, Sendable {
    public var frames: Int
    /// Frames with a face in both.
    public var framesMeasured: Int
    public var framesWithoutFacePredicted: [Int]
    public var framesWithoutFaceTruth: [Int]
    public var mouthOpeningPredicted: Double      // mean
    public var mouthOpeningTruth: Double          // mean
    public var mouthOpeningCorrelation: Double    // Pearson r, predicted against truth
    public var mouthDistance: Double              // mean LMD
    public var yawErrorDegrees: Double            // mean |predicted − truth|
    public var pitchErrorDegrees: Double
    public var rollErrorDegrees: Double
    /// Every frame's figures, nil where a face was not found.
    public var perFrame: PerFrame

    public struct PerFrame: Codable, Equatable, Sendable {
        public var mouthOpeningPredicted: [Double?]
        public var mouthOpeningTruth: [Double?]
        public var mouthDistance: [Double?]

        enum CodingKeys: String, CodingKey {
            case mouthOpeningPredicted = "mouth_opening_pred"
            case mouthOpeningTruth = "mouth_opening_truth"
            case mouthDistance = "lmd"
        }
    }

    enum CodingKeys: String, CodingKey {
        case frames
        case framesMeasured = "frames_measured"
        case framesWithoutFacePredicted = "frames_without_face_pred"
        case framesWithoutFaceTruth = "frames_without_face_truth"
        case mouthOpeningPredicted = "mouth_opening_pred"
        case mouthOpeningTruth = "mouth_opening_truth"
        case mouthOpeningCorrelation = "mouth_opening_r"
        case mouthDistance = "lmd"
        case yawErrorDegrees = "yaw_error_deg"
        case pitchErrorDegrees = "pitch_error_deg"
        case rollErrorDegrees = "roll_error_deg"
        case perFrame = "per_frame"
    }

    /// The figures from each frame's face in the prediction and the truth (equal lengths).
    public init(predicted: [FaceObservation?], truth: [FaceObservation?]) {
        precondition(predicted.count == truth.count, "the two series differ in length")
        frames = predicted.count
        framesWithoutFacePredicted = predicted.indices.filter { predicted[$0] == nil }
        framesWithoutFaceTruth = truth.indices.filter { truth[$0] == nil }
        // each frame's figures once; the means and r over the frames with a face in both
        let openingP = predicted.map { $0.map { Double($0.landmarks.mouthOpening) } }
        let openingT = truth.map { $0.map { Double($0.landmarks.mouthOpening) } }
        let distance = predicted.indices.map { i in
            predicted[i].flatMap { p in truth[i].map { p.landmarks.mouthDistance(to: $0.landmarks) } }
        }
        let both = predicted.indices.compactMap { i in predicted[i].flatMap { p in truth[i].map { (i, p, $0) } } }
        framesMeasured = both.count
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
        let mouthP = both.compactMap { openingP[$0.0] }, mouthT = both.compactMap { openingT[$0.0] }
        mouthOpeningPredicted = mean(mouthP)
        mouthOpeningTruth = mean(mouthT)
        mouthOpeningCorrelation = pearsonCorrelation(mouthP, mouthT)
        mouthDistance = mean(both.compactMap { distance[$0.0] }.filter(\.isFinite))
        func angleError(_ angle: KeyPath<HeadPose, Float>) -> Double {
            mean(both.map { abs(Double($0.1.pose[keyPath: angle] - $0.2.pose[keyPath: angle])) * 180 / .pi })
        }
        yawErrorDegrees = angleError(\.yaw)
        pitchErrorDegrees = angleError(\.pitch)
        rollErrorDegrees = angleError(\.roll)
        perFrame = PerFrame(mouthOpeningPredicted: openingP, mouthOpeningTruth: openingT, mouthDistance: distance)
    }

    /// Rows for the terminal, in the layout of `eval`'s table.
    public func tableRows() -> [(name: String, value: String)] {
        func f(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "—" }
        var rows: [(String, String)] = [
            ("landmarks: frames measured", "\(framesMeasured) of \(frames)"),
            ("mouth opening pred/truth", "\(f(mouthOpeningPredicted, 4)) / \(f(mouthOpeningTruth, 4))  (inner-lip gap ÷ mouth width)"),
            ("mouth opening r", f(mouthOpeningCorrelation)),
            ("LMD (mouth, ÷ eye distance)", f(mouthDistance, 4)),
            ("head pose error yaw/pitch/roll", "\(f(yawErrorDegrees, 2)) / \(f(pitchErrorDegrees, 2)) / \(f(rollErrorDegrees, 2)) deg"),
        ]
        for (side, missing) in [("pred", framesWithoutFacePredicted), ("truth", framesWithoutFaceTruth)] where !missing.isEmpty {
            rows.append(("no face in \(side)", FrameList.describe(missing)))
        }
        return rows
    }
}
