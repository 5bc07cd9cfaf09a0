import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import Datasets

/// What `Speaker.generate` wrote.
public struct GeneratedVideo: Sendable {
    /// The output folder: a speaker data set (`frames/`, `meta.json`, `pose.csv`) plus
    /// `latents.h5` (`Latents`: z_sem (T, Z), frames and pose (T, 3)), readable by `talkingface eval`.
    public let folder: URL
    public var framesFolder: URL { folder.appendingPathComponent("frames") }
    /// The MP4 with the speech, or nil when ffmpeg is missing or no video was asked for.
    public let video: URL?
    public let frameCount: Int
    public let fps: Double
    /// The head pose the frames were generated with (predicted or the override), radians.
    public let pose: PoseTrack
    public let timings: GenerationTimings
    /// Things the user should know (no ffmpeg, steps differing from the reference's inversion).
    public let notes: [String]

    public var seconds: Double { Double(frameCount) / fps }
}

extension Speaker {
    /// Speech in, talking-face video out (docs/architecture.md §1, §7): features → z_sem and pose per frame
    /// → frames decoded batch by batch from one shared x_T → PNGs written as each batch
    /// finishes (memory stays flat however long the speech) → MP4 with the speech (ffmpeg).
    ///
    /// The frames are decoded into `folder/.frames.partial/` and renamed to `frames/` once all
    /// are written, before `meta.json`: the frames folder is complete or absent. When
    /// `InterruptSignal` is installed, a signal stops the work between batches: the partial
    /// frames are removed and `CancellationError` is thrown.
    ///
    /// - Parameters:
    ///   - speech: any audio file MediaIO reads.
    ///   - steps: DDIM steps (nil: the bundle's default, which its reference x_T was inverted with).
    ///   - pose: the model's predicted head pose, or an override track.
    ///   - noise: the shared start x_T (`.independent` is an ablation that flickers).
    ///   - batchSize: frames decoded together (GEMM efficiency vs memory).
    ///   - audioEncoder: the Wav2Vec2/HuBERT folder, for a bundle trained on its features.
    ///   - output: `NAME.mp4` (frames go to the folder `NAME/`), or a folder (video at `folder/video.mp4`).
    ///   - makeVideo: false keeps the frames only.
    public func generate(speech: URL, steps: Int? = nil, pose: GenerationPose = .predicted, noise: NoiseStart = .reference,
                         batchSize: Int = 16, audioEncoder: URL? = nil, to output: URL, makeVideo: Bool = true,
                         progress: GenerationProgress? = nil) throws -> GeneratedVideo {
        let steps = steps ?? meta.defaultSteps
        let (folder, videoURL) = Self.outputPlaces(output)
        var timings = GenerationTimings()
        var notes: [String] = []
        if noise == .reference && steps != reference.stochasticSteps {
            notes.append("decoding with \(steps) steps from a reference x_T inverted with \(reference.stochasticSteps): "
                         + "frames will not retrace the reference frame exactly")
        }

        let latents = try self.latents(speech: speech, pose: pose, audioEncoder: audioEncoder, timings: &timings, progress: progress)
        let frameCount = latents.zSem.size(0)

        // Earlier frames are replaced only where an earlier generate put them (it writes
        // latents.h5 with them): never a data set's own frames.
        let fm = FileManager.default
        let framesFolder = folder.appendingPathComponent("frames")
        if fm.fileExists(atPath: framesFolder.path) && !fm.fileExists(atPath: folder.appendingPathComponent("latents.h5").path) {
            throw SpeakerError(file: framesFolder, "holds frames that talkingface generate did not write; choose another output")
        }
        try InterruptSignal.throwIfRequested()
        let folderExisted = fm.fileExists(atPath: folder.path)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let partialFrames = folder.appendingPathComponent(Self.partialFramesName)
        try? fm.removeItem(at: partialFrames)  // left by a run that was killed
        let track = PoseTrack(tensor: latents.pose)
        do {
            let frames = try PNGFrameWriter(folder: partialFrames)
            timings.merge(try render(zSem: latents.zSem, steps: steps, noise: noise, batchSize: batchSize, into: frames, progress: progress))
            // From here on no stop is taken: the rest is quick, and the output becomes whole.
            try timings.measure(.write) {
                try Latents(zSem: latents.zSem, frames: Array(0..<frameCount), pose: latents.pose).write(to: folder.appendingPathComponent("latents.h5"))
                try track.write(to: folder.appendingPathComponent("pose.csv"))
                if fm.fileExists(atPath: framesFolder.path) { try fm.removeItem(at: framesFolder) }
                try fm.moveItem(at: partialFrames, to: framesFolder)
                try DatasetMeta(fps: meta.fps, frameCount: frameCount, width: meta.imageSize, height: meta.imageSize, poseUnits: "radians",
                                source: ["speaker": meta.name, "speech": speech.path, "steps": String(steps), "noise": "\(noise)"])
                    .write(to: folder.appendingPathComponent("meta.json"))
            }
        } catch {
            try? fm.removeItem(at: partialFrames)
            if !folderExisted, (try? fm.contentsOfDirectory(atPath: folder.path))?.isEmpty == true { try? fm.removeItem(at: folder) }
            throw error
        }

        var video: URL?
        if makeVideo {
            try InterruptSignal.throwIfRequested()
            if Video.isAvailable {
                progress?(.video, 0, 1)
                do {
                    try timings.measure(.video) { try Video.encode(framesIn: framesFolder, fps: meta.fps, audio: speech, to: videoURL) }
                } catch {
                    try InterruptSignal.throwIfRequested()  // ffmpeg had Ctrl-C too
                    throw SpeakerError(file: videoURL, "ffmpeg could not make the video (\(error)); the frames are in \(framesFolder.path)")
                }
                progress?(.video, 1, 1)
                video = videoURL
            } else {
                notes.append("ffmpeg is not on PATH, so no MP4 was made; the frames are in \(framesFolder.path) "
                             + "(install ffmpeg, e.g. sudo apt-get install ffmpeg)")
            }
        }
        return GeneratedVideo(folder: folder, video: video, frameCount: frameCount, fps: meta.fps, pose: track, timings: timings, notes: notes)
    }

    /// z_sem (T, Z) and pose (T, 3, radians) for a speech file: its features, then the
    /// speech-to-latent model, conditioned on its own pose prediction or on the override
    /// (fitted to T frames first).
    public func latents(speech: URL, pose: GenerationPose = .predicted, audioEncoder: URL? = nil) throws -> (zSem: Tensor, pose: Tensor) {
        var timings = GenerationTimings()
        return try latents(speech: speech, pose: pose, audioEncoder: audioEncoder, timings: &timings, progress: nil)
    }

    func latents(speech: URL, pose: GenerationPose, audioEncoder: URL?, timings: inout GenerationTimings,
                 progress: GenerationProgress?) throws -> (zSem: Tensor, pose: Tensor) {
        progress?(.features, 0, 1)
        let layers = try timings.measure(.features) { try features(of: speech, audioEncoder: audioEncoder) }
        progress?(.features, 1, 1)
        let frames = s2l.frameCount(featureFrames: layers[0].size(-2))
        guard frames > 0 else { throw SpeakerError(file: speech, "too short to make a single video frame") }
        // The data-set layer and the outputs speak radians; the model speaks meta.poseUnits.
        let modelUnitsPerRadian: Float = meta.poseUnits == "degrees" ? 180 / .pi : 1
        var source = PoseSource.predicted, given: Tensor?
        if case .override(let track, let fit, let file) = pose {
            given = try fit.apply(track, frames: frames, source: file).tensor()
            source = .given(given! * modelUnitsPerRadian)
        }
        progress?(.speechToLatent, 0, 1)
        let result = try timings.measure(.speechToLatent) {
            do { return try s2l.predict(layers: layers, pose: source) } catch let error as SpeechToLatentError {
                throw SpeakerError(file: speech, error.description)
            }
        }
        progress?(.speechToLatent, 1, 1)
        // An override comes back exactly as given; a prediction is converted to radians.
        return (result.latents, given ?? result.pose / modelUnitsPerRadian)
    }

    /// The speech's feature layers, each (1, T·s, F), from the front end this speaker reads.
    private func features(of speech: URL, audioEncoder: URL?) throws -> [Tensor] {
        let front: any SpeechFrontEnd
        switch meta.features {
        case SpeakerMeta.wav2vec2:
            guard let audioEncoder else {
                throw SpeakerError(file: bundle?.appendingPathComponent(Self.metaFile),
                                   "this speaker reads Wav2Vec2/HuBERT features: pass the audio encoder it was trained with (--audio-encoder DIR)")
            }
            front = try SpeechFeatures.wav2vec2(directory: audioEncoder).makeFrontEnd()
            let c = s2l.config
            guard front.channels == c.featureDimension, front.layerCount == c.featureLayers, front.frameRate == Double(c.featureRate) else {
                throw SpeakerError(file: audioEncoder, "gives \(front.layerCount)×\(front.channels) features at \(front.frameRate) Hz; "
                                   + "this speaker's s2l.h5 reads \(c.featureLayers)×\(c.featureDimension) at \(c.featureRate) Hz")
            }
        default:
            front = LogMelFrontEnd()
        }
        do { return try front.layers(ofFile: speech) } catch let error as MediaIOError where error.file == nil {
            throw SpeakerError(file: speech, error.reason)
        }
    }

    /// Decodes z_sem (T, Z) into T frames, `batchSize` at a time, each batch handed to
    /// `sink` as soon as it is done. Returns the decode and write times. Stops before a batch
    /// with `CancellationError` when `InterruptSignal` is installed and raised.
    @discardableResult
    public func render(zSem: Tensor, steps: Int, noise: NoiseStart = .reference, batchSize: Int = 16, into sink: FrameSink,
                       progress: GenerationProgress? = nil) throws -> GenerationTimings {
        guard zSem.rank == 2, zSem.size(1) == dae.config.zSemChannels else {
            throw SpeakerError(file: nil, "z_sem of shape \(zSem.shape); this speaker decodes (T, \(dae.config.zSemChannels))")
        }
        guard (1...dae.diffusion.steps).contains(steps) else {
            throw SpeakerError(file: nil, "\(steps) DDIM steps; choose 1…\(dae.diffusion.steps)")
        }
        guard batchSize >= 1 else { throw SpeakerError(file: nil, "batch size \(batchSize); at least 1 frame per batch") }
        let total = zSem.size(0)
        var timings = GenerationTimings()
        var starts = NoiseSource(noise, reference: reference.xT)
        progress?(.decode, 0, total)
        for first in stride(from: 0, to: total, by: batchSize) {
            try InterruptSignal.throwIfRequested()
            let range = first..<Swift.min(first + batchSize, total)
            let frames = timings.measure(.decode) {
                dae.decode(zSem.slice(dim: 0, range), noise: starts.next(range.count), steps: steps, batchSize: range.count)
            }  // (B, 3, S, S)
            progress?(.decode, range.upperBound, total)
            try timings.measure(.write) { try sink.write(frames, firstFrame: first) }
            progress?(.write, range.upperBound, total)
        }
        return timings
    }

    /// Where `generate` writes the frames until all are done.
    static let partialFramesName = ".frames.partial"

    /// `NAME.mp4` → (folder NAME, the MP4); a folder → (it, folder/video.mp4).
    static func outputPlaces(_ output: URL) -> (folder: URL, video: URL) {
        if ["mp4", "m4v", "mov", "mkv"].contains(output.pathExtension.lowercased()) {
            return (output.deletingPathExtension(), output)
        }
        return (output, output.appendingPathComponent("video.mp4"))
    }
}

extension GenerationTimings {
    /// Adds `other`'s times stage by stage.
    mutating func merge(_ other: GenerationTimings) {
        for (stage, s) in other.seconds { seconds[stage, default: 0] += s }
    }
}
