import Autodiff
import Foundation
import MediaIO

/// A data set: one person's recording with its labels, on disk (docs/architecture.md §10):
///
///     DIR/frames/00000.png …   the video as PNG frames (or DIR/video.mp4, extracted once)
///     DIR/audio.wav            the speech
///     DIR/pose.csv             optional: frame, yaw, pitch, roll
///     DIR/meta.json            fps, crop, …
///
/// Frames come out centre-cropped (or cropped to `meta.crop`) and resized to the model size.
/// Splits are by time: the held-out part is the end of the recording, after a gap, never
/// frames shuffled out of the middle (neighbouring frames are near-duplicates).
public struct SpeakerDataset {
    public let root: URL
    public let meta: DatasetMeta
    public let frameCount: Int
    public var framesFolder: URL { root.appendingPathComponent("frames") }
    public var audioURL: URL { root.appendingPathComponent("audio.wav") }
    public var hasAudio: Bool { FileManager.default.fileExists(atPath: audioURL.path) }
    public let pose: PoseTrack?

    static let videoExtensions: Set<String> = ["mp4", "mov", "mkv", "webm", "avi", "m4v"]

    /// Opens a data set folder. With no `frames/` but a video file in the folder, the frames
    /// (and the audio, if there is no `audio.wav`) are extracted with ffmpeg first.
    public init(at root: URL) throws {
        self.root = root
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.notADataset(root, "no such folder")
        }
        let frames = root.appendingPathComponent("frames")
        let metaURL = root.appendingPathComponent("meta.json")
        var meta = fm.fileExists(atPath: metaURL.path) ? try DatasetMeta.read(metaURL) : nil
        if !fm.fileExists(atPath: frames.path) {
            let videos = try fm.contentsOfDirectory(atPath: root.path).sorted()
                .filter { SpeakerDataset.videoExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            guard let name = videos.first else {
                throw DatasetError.notADataset(root, "neither a frames/ folder nor a video file (\(SpeakerDataset.videoExtensions.sorted().joined(separator: ", ")))")
            }
            let video = root.appendingPathComponent(name)
            try SpeakerDataset.importVideo(video, into: root, existingMeta: meta)
            meta = try DatasetMeta.read(metaURL)
        }
        guard let meta else { throw DatasetError.notADataset(root, "meta.json is missing (it holds the frame rate)") }
        self.meta = meta
        let folder = try FrameFolder(frames)
        frameCount = folder.count
        guard frameCount > 0 else { throw DatasetError.notADataset(root, "frames/ holds no 00000.png") }
        try meta.requireFrameCount(found: frameCount, in: frames, metaURL)
        if let crop = meta.crop { try meta.requireCrop(crop, inside: folder.width, folder.height, metaURL) }
        let poseURL = root.appendingPathComponent("pose.csv")
        if fm.fileExists(atPath: poseURL.path) {
            let pose = try PoseTrack.read(poseURL, degrees: meta.poseInDegrees)
            guard pose.count >= frameCount else {
                throw DatasetError.mismatch("\(poseURL.path) has \(pose.count) rows for \(frameCount) frames")
            }
            self.pose = pose
        } else {
            pose = nil
        }
    }

    /// Extracts `video`'s frames (ffmpeg) into `root/frames`, its audio into `root/audio.wav`
    /// when present, and writes `meta.json` with the video's frame rate.
    /// With `frameRate` the frames are resampled to it (`Video.extractFrames`); otherwise every
    /// stored frame is kept at the video's own rate.
    public static func importVideo(_ video: URL, into root: URL, existingMeta: DatasetMeta? = nil,
                                   frameRate: Double? = nil) throws {
        let fm = FileManager.default
        let rootExisted = fm.fileExists(atPath: root.path)
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let frames = root.appendingPathComponent("frames")
        // Extract into a scratch folder and rename, so an interrupted run leaves no partial
        // frames/; a failed one removes the scratch, a killed one's is removed here next time.
        let scratch = root.appendingPathComponent(".frames.partial")
        try? fm.removeItem(at: scratch)
        let count: Int
        do {
            count = try Video.extractFrames(from: video, to: scratch, frameRate: frameRate)
            try fm.moveItem(at: scratch, to: frames)
        } catch {
            try? fm.removeItem(at: scratch)
            if !rootExisted, (try? fm.contentsOfDirectory(atPath: root.path))?.isEmpty == true { try? fm.removeItem(at: root) }
            throw error
        }
        let audio = root.appendingPathComponent("audio.wav")
        if !fm.fileExists(atPath: audio.path), try Video.hasAudio(video) {
            try Video.extractAudio(from: video, to: audio)
        }
        var meta = try existingMeta ?? DatasetMeta(fps: frameRate ?? Video.frameRate(of: video))
        if let frameRate { meta.fps = frameRate }
        meta.frameCount = count
        let first = try PNG.read(frames.appendingPathComponent(Video.frameName(0)))
        meta.width = first.width
        meta.height = first.height
        meta.source = (meta.source ?? [:]).merging(["video": video.lastPathComponent]) { a, _ in a }
        try meta.write(to: root.appendingPathComponent("meta.json"))
    }

    /// Frame `i` as stored.
    public func frame(_ i: Int) throws -> RGBImage {
        guard i >= 0 && i < frameCount else { throw DatasetError.frameMissing(framesFolder, i) }
        return try RGBImage(frame: i, in: framesFolder)
    }

    /// Frame `i` cropped to the face (`meta.crop`, else the centred square) and resized to `size`².
    public func frame(_ i: Int, size: Int) throws -> RGBImage {
        let image = try frame(i)
        let face: RGBImage
        if let c = meta.crop { face = image.cropped(x: c.x, y: c.y, width: c.width, height: c.height) } else { face = image.centreSquare() }
        return face.resized(width: size, height: size)
    }

    /// Frames `indices` (a range or a list) at the model size as a (N, 3, size, size) tensor in [-1, 1].
    public func frames<Indices: Sequence<Int>>(_ indices: Indices, size: Int) throws -> Tensor {
        Tensor(images: try indices.map { try frame($0, size: size) })
    }

    /// The speech resampled to `sampleRate`.
    public func audio(sampleRate: Int = 16000) throws -> AudioClip {
        guard hasAudio else { throw DatasetError.notADataset(root, "audio.wav is missing") }
        return try AudioFile.read(audioURL, sampleRate: sampleRate)
    }

    /// A split by time: the first part trains, the last `heldOutFraction` is held out, with
    /// `gapSeconds` dropped between them so no held-out frame has a near-twin in training.
    public func split(heldOutFraction: Double = 0.1, gapSeconds: Double = 1) -> (train: Range<Int>, heldOut: Range<Int>) {
        SpeakerDataset.split(frameCount: frameCount, fps: meta.fps, heldOutFraction: heldOutFraction, gapSeconds: gapSeconds)
    }

    public static func split(frameCount n: Int, fps: Double, heldOutFraction: Double, gapSeconds: Double) -> (train: Range<Int>, heldOut: Range<Int>) {
        precondition(heldOutFraction >= 0 && heldOutFraction < 1, "held-out fraction must be in [0, 1)")
        let heldOut = Int((Double(n) * heldOutFraction).rounded())
        let gap = heldOut > 0 ? min(Int((gapSeconds * fps).rounded()), max(0, n - heldOut - 1)) : 0
        let trainEnd = max(0, n - heldOut - gap)
        return (0..<trainEnd, (n - heldOut)..<n)
    }
}

/// Writes a speaker data set frame by frame (frames may be written from several threads).
public struct SpeakerDatasetWriter: Sendable {
    public let root: URL
    public var framesFolder: URL { root.appendingPathComponent("frames") }

    public init(at root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("frames"), withIntermediateDirectories: true)
    }

    public func writeFrame(_ i: Int, _ image: RGBImage) throws {
        try PNG.write(image.image8(), to: framesFolder.appendingPathComponent(Video.frameName(i)))
    }

    /// Frames 0..<count: `render(i)` written in batches of 64 spread over the cores, with
    /// `progress(done, count)` after each batch; the first error stops the writing.
    public func writeFrames(count: Int, progress: (Int, Int) -> Void, render: (Int) throws -> RGBImage) throws {
        let batch = 64
        let failure = FirstError()
        for start in stride(from: 0, to: count, by: batch) {
            let size = min(batch, count - start)
            Parallel.forEach(size) { k in
                do { try writeFrame(start + k, render(start + k)) } catch { failure.record(error) }
            }
            try failure.rethrow()
            progress(start + size, count)
        }
    }

    public func writeAudio(_ clip: AudioClip) throws {
        try AudioFile.write(clip, to: root.appendingPathComponent("audio.wav"))
    }

    public func writePose(_ pose: PoseTrack) throws { try pose.write(to: root.appendingPathComponent("pose.csv")) }

    public func writeMeta(_ meta: DatasetMeta) throws { try meta.write(to: root.appendingPathComponent("meta.json")) }
}
