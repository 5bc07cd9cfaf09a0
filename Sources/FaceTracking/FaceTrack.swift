import Datasets
import Foundation

/// One face followed through a clip: every frame's 68 landmarks, detected, tracked from the
/// previous frame, or interpolated over a short gap; then smoothed in time (One-Euro).
public struct FaceTrack: Sendable {
    /// How a frame's landmarks were found.
    public enum Source: String, Codable, Sendable {
        case detected     // the detector found the face
        case tracked      // the detector missed it; the previous frame's face placed the predictor
        case interpolated // nothing there: filled in between its neighbours (a gap ≤ `maximumGap`)
    }

    public var landmarks: [FaceLandmarks]  // (frames,), smoothed
    public var sources: [Source]
    /// Frames where the detector saw more than one face (the one followed, else `mainFace`, was taken).
    public var framesWithSeveralFaces: [Int]

    /// Longest run of frames without a face that is filled in rather than refused: one second.
    public static func maximumGap(fps: Double) -> Int { max(1, Int(fps.rounded())) }

    /// Follows the main face (`mainFace`) through `frames` (called with 0..<count, in order).
    /// Throws `noFace` when no frame shows one, `faceLost` when the detector misses it for
    /// more than a second.
    public static func follow(frameCount: Int, fps: Double, tracker: FaceTracker,
                              frame: (Int) throws -> RGBImage, progress: (Int, Int) -> Void = { _, _ in }) throws -> FaceTrack {
        var raw: [FaceLandmarks?] = []
        var sources: [Source] = []
        var several: [Int] = []
        var lastFace: FaceLandmarks?
        for i in 0..<frameCount {
            let image = try frame(i)
            let faces = try tracker.detectFaces(in: image, upsample: FaceTracker.frameLevels(for: image))
            if faces.count > 1 { several.append(i) }
            // the face followed so far while one overlaps it, so a passing false detection
            // (a badge, a pattern) cannot take over; else the main face of this frame
            let followed = lastFace.flatMap { previous in
                faces.map { (face: $0, overlap: $0.overlap(with: previous.detectorBox)) }
                    .filter { $0.overlap > 0.3 }.max { $0.overlap < $1.overlap }?.face
            }
            if let main = followed ?? faces.mainFace {
                lastFace = try tracker.landmarks(in: image, face: main)
                raw.append(lastFace)
                sources.append(.detected)
            } else if let previous = lastFace {
                // the detector misses a turned or blurred face now and then; the shape
                // predictor placed by the last face found usually still fits it
                raw.append(try tracker.landmarks(in: image, face: previous.detectorBox))
                sources.append(.tracked)
            } else {
                raw.append(nil)
                sources.append(.interpolated)
            }
            progress(i + 1, frameCount)
        }
        guard sources.contains(.detected) else { throw FacePreparationError.noFace(frames: frameCount) }
        // a miss longer than a second is no blink of the detector: the face has gone
        let maximumGap = maximumGap(fps: fps)
        var i = 0
        while i < frameCount {
            guard sources[i] != .detected else { i += 1; continue }
            var end = i
            while end < frameCount && sources[end] != .detected { end += 1 }
            if end - i > maximumGap { throw FacePreparationError.faceLost(first: i, last: end - 1, fps: fps) }
            i = end
        }
        let filled = fillGaps(raw)
        return FaceTrack(landmarks: OneEuroFilter.smooth(filled, rate: Float(fps)), sources: sources,
                         framesWithSeveralFaces: several)
    }

    /// Linear interpolation across missing frames (held at the ends); `follow` has already
    /// refused any run longer than a second.
    static func fillGaps(_ raw: [FaceLandmarks?]) -> [FaceLandmarks] {
        var out: [FaceLandmarks] = []
        var i = 0
        while i < raw.count {
            if let face = raw[i] {
                out.append(face)
                i += 1
                continue
            }
            var end = i
            while end < raw.count && raw[end] == nil { end += 1 }
            let before = i > 0 ? raw[i - 1]! : raw[end]!
            let after = end < raw.count ? raw[end]! : before
            for k in i..<end {
                let t = Float(k - i + 1) / Float(end - i + 1)
                out.append(FaceLandmarks(points: zip(before.points, after.points).map { $0 + t * ($1 - $0) }))
            }
            i = end
        }
        return out
    }
}

extension FaceLandmarks {
    /// A box like dlib's detector gives for this face: the landmarks' extent, which runs
    /// from the brows to the chin, as a square.
    public var detectorBox: FaceBox {
        let b = bounds
        let side = max(b.width, b.height)
        let cx = (b.left + b.right) / 2, cy = (b.top + b.bottom) / 2
        return FaceBox(left: cx - side / 2, top: cy - side / 2, right: cx + side / 2, bottom: cy + side / 2)
    }
}
