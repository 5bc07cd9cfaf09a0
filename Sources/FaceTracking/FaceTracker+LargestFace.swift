import Datasets
import Foundation

extension FaceTracker {
    /// Frames with a shorter side than this are enlarged before detection: dlib's detector
    /// needs a face of about 80 px (40 px at its one doubling), and its shape predictor
    /// places the lips of a small face a pixel or two off, a large part of a mouth 20 px wide.
    public static let smallestTrackedSide = 256

    /// The main face in `image` (`mainFace`: the largest clear one), found on its own (no tracking from other frames, no
    /// smoothing, so a measure taken from it neither lags nor borrows from the neighbours);
    /// nil when there is none. A small frame is enlarged (bilinear, by the whole factor that
    /// brings its shorter side to `smallestTrackedSide`) and the landmarks are mapped back to
    /// its own pixels.
    public func largestFace(in image: RGBImage) throws -> FaceLandmarks? {
        let shorter = min(image.width, image.height)
        guard shorter > 0 else { return nil }
        let factor = shorter < Self.smallestTrackedSide ? (Self.smallestTrackedSide + shorter - 1) / shorter : 1
        let searched = factor > 1 ? image.resized(width: image.width * factor, height: image.height * factor) : image
        guard let face = try detectFaces(in: searched, upsample: Self.frameLevels(for: searched)).mainFace else { return nil }
        let points = try landmarks(in: searched, face: face)
        guard factor > 1 else { return points }
        // pixel centres: x in the enlarged frame is (x + 0.5) / factor − 0.5 in the original
        let k = Float(factor)
        return FaceLandmarks(points: points.points.map { ($0 + 0.5) / k - 0.5 })
    }
}
