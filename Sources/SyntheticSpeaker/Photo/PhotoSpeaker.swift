import Autodiff
import Datasets
import DrawnFace
import FaceTracking
import Foundation
import MediaIO

/// A synthetic speaker with a photographed face: the drawn speaker's voice, speech and
/// motion (`SyntheticSpeaker.timeline`) move the photo's landmarks (`PhotoFaceRig`), a
/// piecewise-affine warp of the photo's face mesh (`PhotoFaceMesh`) renders each frame, and
/// the open mouth's inside is painted (`MouthInterior`).
///
/// The frames are a square crop around the head (`crop`), rendered at twice `size` and
/// halved (up to 512 pixels), so edges are smooth. The data set has the drawn speaker's
/// layout — frames/, audio.wav, pose.csv, meta.json, factors.csv, factors.h5, phonemes.csv,
/// transcript.txt — and landmarks.csv, the 68 moved landmarks of every frame in frame pixels
/// (`prepare`'s format, a pixel's centre at whole numbers as the tracker reports them):
/// ground truth for a tracker.
public struct PhotoSpeaker: Sendable {
    public let face: PhotoFace
    /// Whose voice, speech and motion the photo gets.
    public let speaker: SyntheticSpeaker

    /// A warp turns a photographed head convincingly only a little way: yaw and pitch are
    /// this fraction of the drawn speaker's (whose yaw reaches ±0.45 rad); roll is kept.
    /// pose.csv and factors hold the pose the frames show.
    public static let poseScale: Float = 0.5
    /// Visible upper teeth, in inter-ocular distances.
    static let teethHeight: Float = 0.11
    /// Frames are rendered this many times larger and shrunk, for smooth edges; above 512
    /// pixels a frame's own pixels are fine enough (and a doubled 4096² frame would take
    /// 800 MB a thread).
    static func supersampling(size: Int) -> Int { size <= 512 ? 2 : 1 }

    public init(face: PhotoFace, speaker: SyntheticSpeaker) {
        self.face = face
        self.speaker = speaker
    }

    /// The square of the photo the frames show: the box `prepare` cuts from a still video of
    /// the photo (`FaceCropping.fixed`), so that a photo speaker is framed as a prepared clip
    /// is and `generate --into` pastes it back where the face is.
    public var crop: FaceCropBox {
        FaceCropping.fixed([face.landmarks], frameWidth: face.image.width, frameHeight: face.image.height)
    }

    /// One frame's picture and its 68 landmarks in frame pixels.
    public struct Frame: Sendable {
        public var image: RGBImage
        public var landmarks: FaceLandmarks
    }

    /// Renders frames at `size` × `size`.
    public struct Renderer: Sendable {
        public let size: Int
        public let expressionGain: Float
        let still: RGBImage  // the crop, supersampled
        let rig: PhotoFaceRig
        let mesh: PhotoFaceMesh
        let mouth: MouthInterior

        /// The pose a frame shows for a timeline's pose.
        public static func shown(_ pose: HeadPose) -> HeadPose {
            HeadPose(yaw: PhotoSpeaker.poseScale * pose.yaw, pitch: PhotoSpeaker.poseScale * pose.pitch, roll: pose.roll)
        }

        /// The 68 landmarks (frame pixels, centres at whole numbers) for a shown pose and an expression.
        public func landmarks(_ pose: HeadPose, _ e: FaceExpression) -> FaceLandmarks {
            landmarks(fromRig: rig.posed(pose, e, expressionGain: expressionGain))
        }

        func landmarks(fromRig moved: [SIMD2<Float>]) -> FaceLandmarks {
            let scale = 1 / Float(PhotoSpeaker.supersampling(size: size))
            return FaceLandmarks(points: moved[0..<PhotoFaceRig.landmarkCount].map { $0 * scale - 0.5 })
        }

        public func render(_ pose: HeadPose, _ e: FaceExpression) -> Frame {
            let moved = rig.posed(pose, e, expressionGain: expressionGain)
            let vertices = mesh.vertices(moved)
            var image = mesh.warp(still, to: vertices)
            mouth.paint(&image, innerLips: vertices[60..<68])
            return Frame(image: image.resized(width: size, height: size), landmarks: landmarks(fromRig: moved))
        }
    }

    public func renderer(size: Int, expressionGain: Float = 1) -> Renderer {
        precondition(size >= 8, "render size \(size) is too small")
        let work = size * PhotoSpeaker.supersampling(size: size)
        let box = crop
        let rest = face.landmarks.points.map { box.toCrop($0 + 0.5, size: work) }
        let rig = PhotoFaceRig(landmarks: rest)
        let still = box.resample(face.image, size: work)
        // A black-and-white photo gets a grey mouth.
        let monochrome = stride(from: 0, to: still.data.count, by: 3).allSatisfy { (i: Int) -> Bool in
            let r = still.data[i], g = still.data[i + 1], b = still.data[i + 2]
            return abs(r - g) < 0.02 && abs(g - b) < 0.02
        }
        return Renderer(size: size, expressionGain: expressionGain, still: still, rig: rig,
                        mesh: PhotoFaceMesh(rig: rig, frameSide: Float(work)),
                        mouth: MouthInterior(teethHeight: PhotoSpeaker.teethHeight * rig.interOcularDistance, monochrome: monochrome))
    }

    /// Writes the data set to `root` (see the type's comment). `progress(done, total)` after each batch.
    public func write(to root: URL, seconds: Double, fps: Double = 25, size: Int, expressionGain: Float = 1,
                      progress: (Int, Int) -> Void = { _, _ in }) throws {
        let renderer = self.renderer(size: size, expressionGain: expressionGain)
        var timeline = try speaker.timeline(seconds: seconds, fps: fps, renderer: FaceRenderer(size: size, expressionGain: expressionGain))
        let n = timeline.frames.count
        var landmarks: [FaceLandmarks] = []
        landmarks.reserveCapacity(n)
        for f in 0..<n {
            timeline.frames[f].pose = Renderer.shown(timeline.frames[f].pose)
            let points = renderer.landmarks(timeline.frames[f].pose, timeline.frames[f].expression)
            // As the drawn speaker's: the mouth's inside height over the frame's height.
            timeline.frames[f].mouthOpening = points.innerLipGap / Float(size)
            landmarks.append(points)
        }

        let writer = try SpeakerDatasetWriter(at: root)
        try writer.writeFrames(count: n, progress: progress) { i in
            let f = timeline.frames[i]
            return renderer.render(f.pose, f.expression).image
        }

        try writer.writeAudio(AudioClip(samples: timeline.speech.samples, sampleRate: timeline.speech.sampleRate))
        try writer.writePose(PoseTrack(timeline.frames.map(\.pose)))
        var rows = CSVTable(columns: ["frame"] + (0..<FaceLandmarks.count).flatMap { ["x\($0)", "y\($0)"] })
        for (i, points) in landmarks.enumerated() {
            rows.rows.append([String(i)] + points.points.flatMap { [CSVTable.format($0.x), CSVTable.format($0.y)] })
        }
        try rows.write(to: root.appendingPathComponent("landmarks.csv"))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let voiceJSON = String(decoding: try encoder.encode(speaker.voice), as: UTF8.self)
        let box = crop
        let photoCrop = String(format: "centre %.1f %.1f, side %.1f", box.centreX, box.centreY, box.side)
        var source = ["generator": "talkingface synth --photo", "photo": face.url.lastPathComponent, "photo_crop": photoCrop,
                      "seed": String(speaker.seed), "speaker": String(speaker.index), "voice": voiceJSON,
                      "pose_scale": String(PhotoSpeaker.poseScale)]
        if expressionGain != 1 { source["expression_gain"] = String(expressionGain) }
        try writer.writeMeta(DatasetMeta(fps: fps, crop: CropRect(x: 0, y: 0, width: size, height: size), frameCount: n,
                                         width: size, height: size, source: source))
        try timeline.writeLabels(to: root, attributes: ["photo": face.url.lastPathComponent, "voice": voiceJSON,
                                                        "pose_scale": String(PhotoSpeaker.poseScale)])
    }
}
