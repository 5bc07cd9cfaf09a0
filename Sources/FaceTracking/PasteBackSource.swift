import Datasets
import Foundation
import MediaIO

/// The video a generated face goes back into: its frames decoded once to PNG files in a
/// scratch folder (read back one at a time, never all held), its size and frame rate, the
/// face's 68 landmarks in every frame (source pixels, tracked and smoothed as `prepare`
/// tracks them), and every frame's crop box, placed as `prepare` places them — so a
/// speaker fine-tuned on a clip prepared from this video gets its crops back where they
/// were cut. The scratch folder goes with the object.
public final class PasteBackSource {
    /// How the crops were cut: one box for the clip (`prepare`'s default) or one
    /// eye-aligned box per frame (`prepare --align`).
    public enum Cropping: String, Sendable {
        case fixed, aligned
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
        guard FileManager.default.fileExists(atPath: video.path) else { throw PasteBackError.videoMissing(video) }
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
                boxes = Array(repeating: FaceCropping.fixed(track.landmarks, frameWidth: width, frameHeight: height), count: frameCount)
            case .aligned:
                boxes = track.landmarks.map(FaceCropping.aligned)
            }
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Source frame `i`, (height, width, 3) in [0, 1].
    public func frame(_ i: Int) throws -> RGBImage { try Self.read(framesFolder, i) }

    private static func read(_ folder: URL, _ i: Int) throws -> RGBImage {
        RGBImage(try PNG.read(folder.appendingPathComponent(Video.frameName(i))))
    }
}
