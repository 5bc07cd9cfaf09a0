import Datasets
import Foundation
import MediaIO

/// The video a generated face goes back into: its frames decoded once to PNG files in a
/// scratch folder (read back one at a time, never all held), its size and frame rate, the
/// face's 68 landmarks in every frame (source pixels, tracked and smoothed as `prepare`
/// tracks them), and every frame's box for the generated crop. The scratch folder goes
/// with the object.
public final class PasteBackSource {
    /// How the speaker's training crops were cut, which says where a generated face sits
    /// in its crop.
    public enum Cropping: String, Sendable {
        /// One box for the clip (`prepare`'s default): a generated face sits where the
        /// training faces sat on average. Pasted into `prepare`'s box for this clip, moved
        /// in each frame by the face's offset from its mean place, so that it lands on the
        /// face wherever the head has gone (the generated head does not follow the
        /// source's).
        case fixed
        /// One eye-aligned box per frame (`prepare --align`): each frame's own box.
        case aligned
    }

    public let video: URL
    public let frameCount: Int
    public let fps: Double
    public let width: Int, height: Int
    /// (frameCount,): the face in every frame, in source pixels.
    public let landmarks: [FaceLandmarks]
    /// (frameCount,): where each frame's crop sits.
    public let boxes: [FaceCropBox]
    /// Where the decoded frames are; removed when this object goes.
    public let scratch: URL
    private var framesFolder: URL { scratch.appendingPathComponent("source") }

    /// Decodes and tracks `video`. Throws `PasteBackError` naming it when it is missing,
    /// is no video, shows no face, or loses the face for more than a second. `progress`
    /// gets (frames tracked, frames) and may throw to stop.
    public init(video: URL, cropping: Cropping = .fixed, tracker: FaceTracker,
                progress: (Int, Int) throws -> Void = { _, _ in }) throws {
        switch InputFileProblem(at: video) {
        case .missing?: throw PasteBackError.videoMissing(video)
        case let problem?: throw PasteBackError.unreadableVideo(video, "\(problem)")
        case nil: break
        }
        guard Video.isAvailable, (try? Video.locate("ffprobe")) != nil else { throw PasteBackError.ffmpegMissing }
        self.video = video
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("talkingface-paste-\(UUID().uuidString)")
        let frames = scratch.appendingPathComponent("source")
        do {
            do {
                fps = try Video.frameRate(of: video)
                frameCount = try Video.extractFrames(from: video, to: frames)
            } catch let error as VideoError {
                throw PasteBackError.unreadableVideo(video, error.description)
            }
            let first = try Self.read(frames, 0)
            width = first.width
            height = first.height
            let track: FaceTrack
            do {
                let count = frameCount
                track = try FaceTrack.follow(frameCount: count, fps: fps, tracker: tracker, frame: { i in
                    try progress(i, count)
                    return try Self.read(frames, i)
                })
                try progress(count, count)
            } catch let error as FacePreparationError {
                throw PasteBackError.face(video, error)
            }
            landmarks = track.landmarks
            switch cropping {
            case .fixed:
                boxes = Self.following(FaceCropping.fixed(track.landmarks, frameWidth: width, frameHeight: height), track.landmarks)
            case .aligned:
                boxes = track.landmarks.map(FaceCropping.aligned)
            }
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    /// `box` moved in each frame by the face's offset (the mean of its landmarks) from its
    /// mean place over the clip: (frames,) boxes of `box`'s size.
    public static func following(_ box: FaceCropBox, _ faces: [FaceLandmarks]) -> [FaceCropBox] {
        let centres = faces.map { face in face.points.reduce(SIMD2<Double>.zero) { $0 + SIMD2(Double($1.x), Double($1.y)) } / Double(face.points.count) }
        let mean = centres.reduce(.zero, +) / Double(max(1, centres.count))
        return centres.map { c in
            FaceCropBox(centreX: box.centreX + c.x - mean.x, centreY: box.centreY + c.y - mean.y, side: box.side, angle: box.angle)
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Source frame `i`, (height, width, 3) in [0, 1].
    public func frame(_ i: Int) throws -> RGBImage { try Self.read(framesFolder, i) }

    private static func read(_ folder: URL, _ i: Int) throws -> RGBImage {
        try RGBImage(frame: i, in: folder)
    }
}
