import Datasets
import Foundation
import MediaIO

/// Audio-visual sync of a talking-face video without a learned model: the mouth opening of
/// the face tracked in every frame (inner-lip gap ÷ mouth width, each frame on its own)
/// against the loudness of the speech over that frame (`LoudnessEnvelope`: RMS in dB, 16 kHz
/// mono, floor −60 dB, not smoothed), correlated at lag 0 and at the best lag within ±8
/// frames (`SyncScore`: positive lag = the mouth moves after the sound).
public struct SyncEvaluation: Codable, Equatable, Sendable {
    public var video: String
    /// "video" (its own audio stream) or the file given for the speech.
    public var audio: String
    public var fps: Double
    /// Frames compared: the shorter of the video and the speech.
    public var frames: Int
    public var framesWithoutFace: [Int]
    public var score: SyncScore
    public var mouthOpening: [Double?]
    public var loudnessDecibels: [Double]

    enum CodingKeys: String, CodingKey {
        case video, audio, fps, frames, score
        case framesWithoutFace = "frames_without_face"
        case mouthOpening = "mouth_opening"
        case loudnessDecibels = "loudness_db"
    }

    public static let maximumLag = 8

    /// Measures `video`, with the speech of `audio` (any file libsndfile reads) or else the
    /// video's own audio stream.
    public static func measure(video: URL, audio: URL? = nil, tracker: FaceTracker,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> SyncEvaluation {
        let fm = FileManager.default
        switch InputFileProblem(at: video) {
        case .missing?: throw SyncEvaluationError.noSuchFile(video)
        case let problem?: throw SyncEvaluationError.notAVideo(video, "\(problem)")
        case nil: break
        }
        let scratch = fm.temporaryDirectory.appendingPathComponent("talkingface-sync-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }

        let fps: Double
        do { fps = try Video.frameRate(of: video) } catch VideoError.toolFailed { throw SyncEvaluationError.noVideoStream(video) }
        let speech: AudioClip
        if let audio {
            speech = try AudioFile.read(audio, sampleRate: 16000)
        } else {
            guard try Video.hasAudio(video) else { throw SyncEvaluationError.noAudioStream(video) }
            let wav = scratch.appendingPathComponent("audio.wav")
            try Video.extractAudio(from: video, to: wav, sampleRate: 16000)
            speech = try AudioFile.read(wav, sampleRate: 16000)
        }
        guard !speech.isSilent else { throw SyncEvaluationError.silentAudio(audio ?? video) }

        let frameFolder = scratch.appendingPathComponent("frames")
        let count = try Video.extractFrames(from: video, to: frameFolder)
        let loudness = LoudnessEnvelope.perFrame(speech, fps: fps, frames: count)
        let compared = loudness.count
        let faces = try tracker.observeFaces(count: compared, frame: {
            try RGBImage(frame: $0, in: frameFolder)
        }, progress: progress)
        let mouth = faces.map { $0.map { Double($0.landmarks.mouthOpening) } }
        guard mouth.contains(where: { $0 != nil }) else { throw SyncEvaluationError.noFace(video, frames: compared) }
        let score = SyncScore(mouth: mouth, loudness: loudness, maximumLag: maximumLag)
        guard score.frames >= 3 else { throw SyncEvaluationError.tooShort(video, frames: score.frames) }
        return SyncEvaluation(video: video.lastPathComponent, audio: audio?.lastPathComponent ?? "video", fps: fps,
                              frames: compared, framesWithoutFace: mouth.indices.filter { mouth[$0] == nil },
                              score: score, mouthOpening: mouth, loudnessDecibels: loudness)
    }

    /// A plain-text summary for the terminal.
    public func table() -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.3f", x) : "—" }
        var lines = ["sync (mouth opening vs loudness)  value", "--------------------------------  ------------"]
        func row(_ name: String, _ value: String) { lines.append(name.padding(toLength: 34, withPad: " ", startingAt: 0) + value) }
        row("video", "\(video) (\(String(format: "%.2f", fps)) fps, audio: \(audio))")
        row("frames measured", "\(score.frames) of \(frames)")
        if !framesWithoutFace.isEmpty { row("no face", FrameList.describe(framesWithoutFace)) }
        row("r at lag 0", f(score.correlationAtZeroLag))
        row("best lag (+ = mouth after sound)", "\(score.bestLag >= 0 ? "+" : "")\(score.bestLag) frames, r \(f(score.bestCorrelation))")
        return lines.joined(separator: "\n")
    }
}
