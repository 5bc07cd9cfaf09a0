import Datasets
import Foundation
import MediaIO

/// A recording → a data set every command reads (docs/architecture.md §14): the face found and
/// tracked in every frame, one crop for the clip (or one eye-aligned crop per frame), the
/// frames at `size`, the speech at 16 kHz mono, the head pose by PnP, and every crop recorded
/// so that generated frames can go back where they came from.
///
///     OUT/frames/00000.png …   size × size crops
///     OUT/audio.wav            16 kHz mono, when the video has sound
///     OUT/pose.csv             frame, yaw, pitch, roll (radians)
///     OUT/landmarks.csv        frame, x0, y0, …, x67, y67 in crop pixels (smoothed)
///     OUT/crop.json            the source's size and fps, and every frame's crop box
///     OUT/meta.json            fps, frame count, size
///
/// Everything is written to `OUT.partial` first and renamed at the end: a failure leaves
/// nothing behind, and an existing OUT is never touched.
public enum DatasetPreparation {
    public struct Options: Sendable {
        public var size: Int
        /// One eye-aligned crop per frame instead of one fixed crop for the clip.
        public var align: Bool
        /// Resample the video to this frame rate (nil: every stored frame, at its own rate).
        public var frameRate: Double?

        public init(size: Int = 128, align: Bool = false, frameRate: Double? = nil) {
            self.size = size
            self.align = align
            self.frameRate = frameRate
        }
    }

    /// What `prepare` found, for its report.
    public struct Report: Sendable {
        public var frames: Int
        public var fps: Double
        public var hasAudio: Bool
        public var detected: Int, tracked: Int, interpolated: Int
        public var framesWithSeveralFaces: [Int]
        /// Frame-to-frame movement of the landmarks on the crop, in crop pixels (mean).
        public var landmarkJitter: Double
    }

    /// `crop.json`.
    public struct CropFile: Codable, Equatable, Sendable {
        public var source: String
        public var sourceWidth: Int, sourceHeight: Int
        public var fps: Double
        public var size: Int
        public var mode: String  // "fixed" or "aligned"
        public var boxes: [FaceCropBox]

        enum CodingKeys: String, CodingKey {
            case source, fps, size, mode, boxes
            case sourceWidth = "source_width"
            case sourceHeight = "source_height"
        }
    }

    public static func prepare(video: URL, out: URL, options: Options, tracker: FaceTracker,
                               progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> Report {
        guard (16...1024).contains(options.size) else {
            throw FacePreparationError.invalidOption("--size must be in 16…1024 (got \(options.size))")
        }
        let fm = FileManager.default
        guard !fm.fileExists(atPath: out.path) else { throw FacePreparationError.outputExists(out) }
        guard fm.fileExists(atPath: video.path) else { throw DatasetError.unreadable(video, "no such file (the video to prepare)") }
        let partial = out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".partial")
        try? fm.removeItem(at: partial)  // a stale one from an interrupted run of ours
        try fm.createDirectory(at: partial, withIntermediateDirectories: true)
        do {
            let report = try write(video: video, into: partial, options: options, tracker: tracker, progress: progress)
            try fm.moveItem(at: partial, to: out)
            return report
        } catch {
            try? fm.removeItem(at: partial)
            throw error
        }
    }

    private static func write(video: URL, into root: URL, options: Options, tracker: FaceTracker,
                              progress: (String, Int, Int) -> Void) throws -> Report {
        let fm = FileManager.default
        let fps = try options.frameRate ?? Video.frameRate(of: video)
        let sourceFrames = root.appendingPathComponent("source")
        let count = try Video.extractFrames(from: video, to: sourceFrames, frameRate: options.frameRate)
        func source(_ i: Int) throws -> RGBImage {
            try RGBImage(frame: i, in: sourceFrames)
        }
        let first = try source(0)
        let track: FaceTrack
        do {
            track = try FaceTrack.follow(frameCount: count, fps: fps, tracker: tracker, frame: source) {
                progress("tracking", $0, $1)
            }
        } catch FacePreparationError.noFace(let frames, nil) {
            throw FacePreparationError.noFace(frames: frames, source: video)  // the file, for the message
        }
        let boxes = options.align
            ? track.landmarks.map(FaceCropping.aligned)
            : Array(repeating: FaceCropping.fixed(track.landmarks, frameWidth: first.width, frameHeight: first.height), count: count)

        let writer = try SpeakerDatasetWriter(at: root)
        let estimator = HeadPoseEstimator(frameWidth: first.width, frameHeight: first.height)
        var poses: [HeadPose] = []
        var previous: HeadPoseEstimator.Estimate?
        var landmarkRows = CSVTable(columns: ["frame"] + (0..<FaceLandmarks.count).flatMap { ["x\($0)", "y\($0)"] })
        var cropLandmarks: [FaceLandmarks] = []
        for i in 0..<count {
            try writer.writeFrame(i, boxes[i].resample(try source(i), size: options.size))
            let estimate = estimator.estimate(track.landmarks[i], start: previous)
            previous = estimate
            poses.append(estimate.pose)
            let inCrop = FaceLandmarks(points: track.landmarks[i].points.map { boxes[i].toCrop($0, size: options.size) })
            cropLandmarks.append(inCrop)
            landmarkRows.rows.append([String(i)] + inCrop.points.flatMap { [CSVTable.format($0.x), CSVTable.format($0.y)] })
            progress("cropping", i + 1, count)
        }
        try fm.removeItem(at: sourceFrames)
        try writer.writePose(PoseTrack(poses))
        try landmarkRows.write(to: root.appendingPathComponent("landmarks.csv"))
        try JSONFile.write(CropFile(source: video.lastPathComponent, sourceWidth: first.width, sourceHeight: first.height,
                                    fps: fps, size: options.size, mode: options.align ? "aligned" : "fixed", boxes: boxes),
                           to: root.appendingPathComponent("crop.json"))
        let hasAudio = try Video.hasAudio(video)
        if hasAudio { try Video.extractAudio(from: video, to: root.appendingPathComponent("audio.wav")) }
        try writer.writeMeta(DatasetMeta(
            fps: fps, frameCount: count, width: options.size, height: options.size, poseUnits: "radians",
            source: ["video": video.lastPathComponent, "made_by": "talkingface prepare", "crop": options.align ? "aligned" : "fixed",
                     // the whole path, so that a speaker fine-tuned on these frames can paste its crops back
                     "video_path": video.standardizedFileURL.path]))

        var jitter = 0.0
        for i in 1..<max(count, 1) {
            jitter += zip(cropLandmarks[i].points, cropLandmarks[i - 1].points).map { Double(distance($0, $1)) }.reduce(0, +) / 68
        }
        func tally(_ s: FaceTrack.Source) -> Int { track.sources.filter { $0 == s }.count }
        return Report(frames: count, fps: fps, hasAudio: hasAudio, detected: tally(.detected), tracked: tally(.tracked),
                      interpolated: tally(.interpolated), framesWithSeveralFaces: track.framesWithSeveralFaces,
                      landmarkJitter: count > 1 ? jitter / Double(count - 1) : 0)
    }
}
