import Autodiff
import Foundation
import MediaIO
import Datasets
import DrawnFace

/// Every factor of one frame of a synthetic speaker.
public struct FrameFactors: Equatable, Sendable {
    public var pose: HeadPose
    public var expression: FaceExpression
    public var loudness: Float       // 0 … 1
    public var mouthOpening: Float   // rendered interior height / image height
    public var viseme: Viseme

    /// Column names of `factors.csv` / datasets of `factors.h5`, in order.
    public static let names = ["yaw", "pitch", "roll", "jaw_open", "lip_width", "lip_rounding", "smile", "blink",
                               "brow_raise", "loudness", "mouth_opening", "viseme"]

    public var values: [Float] {
        let e = expression
        return [pose.yaw, pose.pitch, pose.roll, e.jawOpen, e.lipWidth, e.lipRounding, e.smile, e.blink,
                e.browRaise, loudness, mouthOpening, Float(viseme.rawValue)]
    }
}

/// What a speaker says and does over time, before any pixel is drawn.
public struct SpeakerTimeline: Sendable {
    public var speech: SpeechTrack
    public var visemes: VisemeTrack
    public var frames: [FrameFactors]
    public var fps: Double
}

/// A synthetic talking speaker: an identity, a voice, and the generator of its data set.
public struct SyntheticSpeaker: Sendable {
    public let index: Int
    public let seed: UInt64
    public let identity: FaceIdentity
    public let voice: SpeakerVoice

    /// Speaker `index` of the data set made with `seed`; the same pair gives the same speaker.
    public init(index: Int, seed: UInt64) {
        self.index = index
        self.seed = seed
        var rng = SeededRandom(seed: seed, stream: UInt64(index) * 4 + 1)
        identity = FaceIdentity.random(using: &rng)
        var voice = SpeakerVoice.palette[index % SpeakerVoice.palette.count]
        voice.pitch = min(99, max(0, voice.pitch + Int(rng.uniform(-8, 8))))
        voice.rate = voice.rate + Int(rng.uniform(-10, 10))
        self.voice = voice
    }

    /// Speech, mouth, head and eye motion for `seconds` of video at `fps`.
    public func timeline(seconds: Double, fps: Double, renderer: FaceRenderer) throws -> SpeakerTimeline {
        var rng = SeededRandom(seed: seed, stream: UInt64(index) * 4 + 2)
        let speech = try SpeechTrack.make(voice: voice, seconds: seconds, rng: &rng)
        let visemes = VisemeTrack(phonemes: speech.phonemes, end: speech.duration)
        let n = Int((seconds * fps).rounded())
        let f32 = Float(fps)
        let loudness = Motion.smooth(speech.loudness(frames: n, fps: fps), window: 3)
        // Movement energy: calm when silent, livelier while speaking (slow envelope).
        let envelope = Motion.smooth(loudness, window: Int(fps))
        let energy = envelope.map { 0.45 + 1.4 * $0 }
        // Stress: the head dips a little at loudness onsets.
        let kicks = loudness.indices.map { f in f == 0 ? Float(0) : -0.5 * max(0, loudness[f] - loudness[f - 1] - 0.08) }
        let yaw = Motion.walk(frames: n, fps: f32, energy: energy, spread: 0.16, limit: 0.45, rng: &rng)
        let pitch = Motion.walk(frames: n, fps: f32, energy: energy, spread: 0.07, limit: 0.25, hertz: 0.4, kicks: kicks, rng: &rng)
        let roll = Motion.walk(frames: n, fps: f32, energy: energy, spread: 0.06, limit: 0.2, rng: &rng)
        let blink = Motion.blinks(frames: n, fps: f32, rng: &rng)
        let smileDrift = Motion.walk(frames: n, fps: f32, energy: [Float](repeating: 1, count: n), spread: 0.12, limit: 0.4, hertz: 0.08, rng: &rng)
        let browDrift = Motion.walk(frames: n, fps: f32, energy: energy, spread: 0.2, limit: 0.6, hertz: 0.25, rng: &rng)

        var frames: [FrameFactors] = []
        frames.reserveCapacity(n)
        for f in 0..<n {
            let t = Double(f) / fps
            let mouth = visemes.mouth(at: t)
            let emphasis = max(0, loudness[f] - envelope[f])
            let expression = FaceExpression(
                jawOpen: min(1, max(0, mouth.x * (0.8 + 0.3 * loudness[f]))),
                lipWidth: min(1, max(-1, mouth.y)), lipRounding: min(1, max(0, mouth.z)),
                smile: min(1, max(-0.3, identity.restSmile + smileDrift[f])), blink: blink[f],
                browRaise: min(1, max(-1, browDrift[f] + 1.5 * emphasis)))
            let pose = HeadPose(yaw: yaw[f], pitch: pitch[f], roll: roll[f])
            frames.append(FrameFactors(pose: pose, expression: expression, loudness: loudness[f],
                                       mouthOpening: renderer.mouthOpening(identity, pose, expression),
                                       viseme: visemes.viseme(at: t)))
        }
        return SpeakerTimeline(speech: speech, visemes: visemes, frames: frames, fps: fps)
    }

    /// Writes the speaker's data set to `root`: frames/, audio.wav, pose.csv, meta.json,
    /// factors.csv, factors.h5 (one float32 dataset per factor, identity and voice as JSON
    /// attributes), phonemes.csv and transcript.txt. `progress(done, total)` after each batch.
    public func write(to root: URL, seconds: Double, fps: Double = 25, size: Int, expressionGain: Float = 1,
                      progress: (Int, Int) -> Void = { _, _ in }) throws {
        let renderer = FaceRenderer(size: size, expressionGain: expressionGain)
        let timeline = try timeline(seconds: seconds, fps: fps, renderer: renderer)
        let writer = try SpeakerDatasetWriter(at: root)
        let n = timeline.frames.count

        try writer.writeFrames(count: n, progress: progress) { i in
            let f = timeline.frames[i]
            return renderer.render(identity, f.pose, f.expression)
        }

        try writer.writeAudio(AudioClip(samples: timeline.speech.samples, sampleRate: timeline.speech.sampleRate))
        try writer.writePose(PoseTrack(timeline.frames.map(\.pose)))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let identityJSON = String(decoding: try encoder.encode(identity), as: UTF8.self)
        let voiceJSON = String(decoding: try encoder.encode(voice), as: UTF8.self)
        try writer.writeMeta(DatasetMeta(
            fps: fps, crop: CropRect(x: 0, y: 0, width: size, height: size), frameCount: n, width: size, height: size,
            source: ["generator": "talkingface synth", "seed": String(seed), "speaker": String(index),
                     "voice": voiceJSON, "identity": identityJSON]
                .merging(expressionGain == 1 ? [:] : ["expression_gain": String(expressionGain)]) { a, _ in a }))

        try timeline.writeLabels(to: root, attributes: ["identity": identityJSON, "voice": voiceJSON])
    }
}
