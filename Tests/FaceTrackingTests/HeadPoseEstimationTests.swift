import Datasets
import FaceTracking
import XCTest

/// PnP against landmarks made by projecting the generic face at a known pose: the solver
/// must find that pose again, and each angle's sign must mean what pose.csv says.
final class HeadPoseEstimationTests: XCTestCase {
    let estimator = HeadPoseEstimator(frameWidth: 320, frameHeight: 240)

    /// Landmarks holding the six model points projected at (pitch, yaw, roll, tx, ty, tz).
    func landmarks(_ p: [Double]) -> FaceLandmarks {
        var points = [SIMD2<Float>](repeating: .zero, count: 68)
        for (entry, pixel) in zip(HeadPoseEstimator.model, estimator.project(p)) {
            points[entry.landmark] = SIMD2(Float(pixel.x), Float(pixel.y))
        }
        return FaceLandmarks(points: points)
    }

    func testRecoversAKnownPose() {
        for truth in [[0.1, -0.2, 0.05], [-0.15, 0.3, -0.1], [0, 0, 0], [0.2, 0.1, 0.25]] {
            let p = truth + [30, -20, 2500]
            let estimate = estimator.estimate(landmarks(p))
            XCTAssertEqual(Double(estimate.pose.pitch), truth[0], accuracy: 1e-3, "\(truth)")
            XCTAssertEqual(Double(estimate.pose.yaw), truth[1], accuracy: 1e-3, "\(truth)")
            XCTAssertEqual(Double(estimate.pose.roll), truth[2], accuracy: 1e-3, "\(truth)")
            XCTAssertLessThan(estimate.reprojectionError, 1e-3)
        }
    }

    func testAngleSignsMatchPoseCSV() {
        let frontal = estimator.project([0, 0, 0, 0, 0, 2500])
        let yawed = estimator.project([0, 0.3, 0, 0, 0, 2500])
        let pitched = estimator.project([0.3, 0, 0, 0, 0, 2500])
        let rolled = estimator.project([0, 0, 0.3, 0, 0, 2500])
        // index 0 is the nose tip, 2 and 3 the outer eye corners (image left, image right)
        func noseFromEyes(_ q: [SIMD2<Double>]) -> SIMD2<Double> { q[0] - (q[2] + q[3]) / 2 }
        XCTAssertGreaterThan(noseFromEyes(yawed).x, noseFromEyes(frontal).x, "+ yaw turns the face to the image's right")
        XCTAssertLessThan(noseFromEyes(pitched).y, noseFromEyes(frontal).y, "+ pitch tips the face up")
        XCTAssertLessThan(rolled[3].y, rolled[2].y, "+ roll tilts the eye line counter-clockwise")
    }
}
