import Datasets
import Foundation

/// One frame's face as the landmark measures see it: its 68 landmarks in the frame's pixels
/// and its head pose by PnP (radians).
public struct FaceObservation: Equatable, Sendable {
    public var landmarks: FaceLandmarks
    public var pose: HeadPose

    public init(landmarks: FaceLandmarks, pose: HeadPose) {
        self.landmarks = landmarks
        self.pose = pose
    }
}

extension FaceTracker {
    /// `largestFace` in each of `count` frames with its head pose; a pose starts from the
    /// previous frame's when that frame had a face (PnP converges to the nearer solution).
    public func observeFaces(count: Int, frame: (Int) throws -> RGBImage,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> [FaceObservation?] {
        var out: [FaceObservation?] = []
        var previous: HeadPoseEstimator.Estimate?
        for i in 0..<count {
            let image = try frame(i)
            if let landmarks = try largestFace(in: image) {
                let estimate = HeadPoseEstimator(frameWidth: image.width, frameHeight: image.height).estimate(landmarks, start: previous)
                previous = estimate
                out.append(FaceObservation(landmarks: landmarks, pose: estimate.pose))
            } else {
                previous = nil
                out.append(nil)
            }
            progress(i + 1, count)
        }
        return out
    }
}
