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
    /// Speech in, talking-face video out (docs/architecture.md §1, §7), streamed end to end:
    /// the speech is read, turned into features and into z_sem and pose window by window,
    /// and frames are decoded batch by batch from one shared x_T and written as each batch
    /// finishes, so memory stays flat however long the speech; then the MP4 with the
    /// speech (ffmpeg).
    ///
    /// The frames are decoded into `folder/.frames.partial/` and renamed to `frames/` once all
    /// are written, before `meta.json`: the frames folder is complete or absent. When
    /// `InterruptSignal` is installed, a signal stops the work between batches: the partial
    /// frames are removed and `CancellationError` is thrown.
    ///
    /// - Parameters:
    ///   - speech: any audio file MediaIO reads.
    ///   - steps: sampling steps (nil: the bundle's default, which its reference x_T was inverted with).
    ///   - sampler: DDIM (the default) or DPM-Solver++(2M), one UNet pass per step either way.
    ///   - decoder: `.automatic` renders with the bundle's distilled student when it has one and
    ///     neither `steps` nor another sampler or start noise asks for DDIM; `.teacher` always uses DDIM.
    ///   - pose: the model's predicted head pose, or an override track.
    ///   - noise: the shared start x_T (`.independent` is an ablation that flickers).
    ///   - batchSize: frames decoded together (GEMM efficiency vs memory).
    ///   - audioEncoder: the Wav2Vec2/HuBERT folder, for a bundle trained on its features.
    ///   - output: `NAME.mp4` (frames go to the folder `NAME/`), or a folder (video at `folder/video.mp4`).
    ///   - makeVideo: false keeps the frames only.
    public func generate(speech: URL, steps: Int? = nil, sampler: DiffusionSampler = .ddim, decoder: DecoderChoice = .automatic,
                         pose: GenerationPose = .predicted, noise: NoiseStart = .reference,
                         batchSize: Int = 16, audioEncoder: URL? = nil, to output: URL, makeVideo: Bool = true,
                         progress: GenerationProgress? = nil) throws -> GeneratedVideo {
        let renderer = frameRenderer(decoder, steps: steps, sampler: sampler, noise: noise)
        let steps = steps ?? meta.defaultSteps
        try checkDecoding(steps: steps, batchSize: batchSize)
        let (folder, videoURL) = Self.outputPlaces(output)
        var timings = GenerationTimings()
        var notes: [String] = []
        if renderer is DiffusionRenderer && noise == .reference && steps != reference.stochasticSteps {
            notes.append("decoding with \(steps) steps from a reference x_T inverted with \(reference.stochasticSteps): "
                         + "frames will not retrace the reference frame exactly")
        }

        let latents = try latentStream(speech: speech, pose: pose, audioEncoder: audioEncoder, timings: &timings)
        let frameCount = latents.frameCount

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
        let partialLatents = folder.appendingPathComponent(Self.partialLatentsName)
        try? fm.removeItem(at: partialFrames)  // left by a run that was killed
        try? fm.removeItem(at: partialLatents)
        let track: PoseTrack
        do {
            // Filled as the latents arrive, so the whole sequence is never held.
            let latentsFile = try TensorFileRowWriter(
                url: partialLatents, shapes: [Latents.Key.zSem: [frameCount, dae.config.zSemChannels], Latents.Key.pose: [frameCount, 3]],
                integers: [Latents.Key.frames: (0..<frameCount).map { Int64($0) }], attributes: ["pose_units": "radians"])
            let frames = try PNGFrameWriter(folder: partialFrames)
            var decoder = FrameDecoder(renderer: renderer, noise: noise, reference: reference.xT, batchSize: batchSize, total: frameCount,
                                       sink: frames, progress: progress, decodeLimit: Self.decodeLimitForMeasurement)
            var poseRows: [Tensor] = []  // (n, 3) each: 12 bytes a frame, kept for the returned track
            progress?(.decode, 0, frameCount)
            try stream(latents, timings: &timings) { zSem, pose, timings in
                try timings.measure(.write) {
                    try latentsFile.append(zSem, to: Latents.Key.zSem)
                    try latentsFile.append(pose, to: Latents.Key.pose)
                }
                poseRows.append(pose)
                try decoder.add(zSem, timings: &timings)
            }
            try decoder.finish(timings: &timings)
            try timings.measure(.write) { try latentsFile.close() }
            track = PoseTrack(tensor: concat(poseRows, dim: 0))
            // From here on no stop is taken: the rest is quick, and the output becomes whole.
            try timings.measure(.write) {
                let latentsURL = folder.appendingPathComponent("latents.h5")
                if fm.fileExists(atPath: latentsURL.path) { try fm.removeItem(at: latentsURL) }
                try fm.moveItem(at: partialLatents, to: latentsURL)
                try track.write(to: folder.appendingPathComponent("pose.csv"))
                if fm.fileExists(atPath: framesFolder.path) { try fm.removeItem(at: framesFolder) }
                try fm.moveItem(at: partialFrames, to: framesFolder)
                try DatasetMeta(fps: meta.fps, frameCount: frameCount, width: meta.imageSize, height: meta.imageSize, poseUnits: "radians",
                                source: ["speaker": meta.name, "speech": speech.path, "steps": String(renderer.passes),
                                         "sampler": renderer is StudentRenderer ? "student" : sampler.rawValue, "noise": "\(noise)"])
                    .write(to: folder.appendingPathComponent("meta.json"))
            }
        } catch {
            try? fm.removeItem(at: partialFrames)
            try? fm.removeItem(at: partialLatents)
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

    /// A measurement aid: with TALKINGFACE_DECODE_FRAMES=N in the environment, `generate`
    /// decodes and writes only the first N frames but still streams the features and the
    /// latents of the whole speech, so the memory of every stage up to decoding can be
    /// measured on hours of speech without hours of decoding.
    static var decodeLimitForMeasurement: Int? {
        ProcessInfo.processInfo.environment["TALKINGFACE_DECODE_FRAMES"].flatMap { Int($0) }.map { max(0, $0) }
    }

    /// z_sem (T, Z) and pose (T, 3, radians) for a speech file: its features, then the
    /// speech-to-latent model, conditioned on its own pose prediction or on the override
    /// (fitted to T frames first). Computed by the same stream as `generate`, then joined.
    public func latents(speech: URL, pose: GenerationPose = .predicted, audioEncoder: URL? = nil) throws -> (zSem: Tensor, pose: Tensor) {
        var timings = GenerationTimings()
        let latents = try latentStream(speech: speech, pose: pose, audioEncoder: audioEncoder, timings: &timings)
        var zSem: [Tensor] = [], poses: [Tensor] = []
        try stream(latents, timings: &timings) { z, p, _ in
            zSem.append(z)
            poses.append(p)
        }
        return (concat(zSem, dim: 0), concat(poses, dim: 0))
    }

    /// What streaming a speech file's latents needs: its features, block by block, and the
    /// speech-to-latent stream sized for its frame count.
    struct LatentStream {
        let speech: URL
        let extractor: SpeechFeatureExtractor
        let model: SpeechToLatentStream
        /// The override track fitted to the speech, radians (nil: the model predicts the pose).
        let given: Tensor?
        let modelUnitsPerRadian: Float
        var frameCount: Int { model.length }
    }

    /// Counts the speech's feature frames (one pass over the audio, nothing kept) and sets
    /// up the stream for them.
    func latentStream(speech: URL, pose: GenerationPose, audioEncoder: URL?, timings: inout GenerationTimings) throws -> LatentStream {
        let extractor = try featureExtractor(audioEncoder: audioEncoder)
        let featureFrames = try timings.measure(.features) {
            do { return try extractor.frameCount(ofFile: speech) } catch let error as MediaIOError where error.file == nil {
                throw SpeakerError(file: speech, error.reason)
            }
        }
        let frames = s2l.frameCount(featureFrames: featureFrames)
        guard frames > 0 else { throw SpeakerError(file: speech, "too short to make a single video frame") }
        // The data-set layer and the outputs speak radians; the model speaks meta.poseUnits.
        let modelUnitsPerRadian: Float = meta.poseUnits == "degrees" ? 180 / .pi : 1
        var source = PoseSource.predicted, given: Tensor?
        if case .override(let track, let fit, let file) = pose {
            given = try fit.apply(track, frames: frames, source: file).tensor()
            source = .given(given! * modelUnitsPerRadian)
        }
        do {
            let model = try SpeechToLatentStream(model: s2l, featureFrames: featureFrames, pose: source)
            return LatentStream(speech: speech, extractor: extractor, model: model, given: given, modelUnitsPerRadian: modelUnitsPerRadian)
        } catch let error as SpeechToLatentError {
            throw SpeakerError(file: speech, error.description)
        }
    }

    /// Runs the speech through features and speech-to-latent block by block, handing
    /// `body` each run of finished frames in order: z_sem (n, Z) and pose (n, 3, radians;
    /// the override's own rows when one is given).
    func stream(_ latents: LatentStream, timings: inout GenerationTimings,
                _ body: (_ zSem: Tensor, _ pose: Tensor, _ timings: inout GenerationTimings) throws -> Void) throws {
        var done = 0
        var featureSeconds = 0.0
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        do {
            try latents.extractor.forEachBlock(ofFile: latents.speech) { block in
                featureSeconds += lap()
                let (zSem, pose) = try timings.measure(.speechToLatent) {
                    do { return try latents.model.append(block) } catch let error as SpeechToLatentError {
                        throw SpeakerError(file: latents.speech, error.description)
                    }
                }
                guard zSem.size(0) > 0 else { _ = lap(); return }
                let rows = done..<(done + zSem.size(0))
                done = rows.upperBound
                // An override comes back exactly as given; a prediction is converted to radians.
                try body(zSem, latents.given?.slice(dim: 0, rows) ?? pose / latents.modelUnitsPerRadian, &timings)
                _ = lap()
            }
            featureSeconds += lap()
        } catch let error as MediaIOError where error.file == nil {
            throw SpeakerError(file: latents.speech, error.reason)
        }
        timings.seconds[.features, default: 0] += featureSeconds
        do { try latents.model.finish() } catch let error as SpeechToLatentError {
            throw SpeakerError(file: latents.speech, error.description)
        }
    }

    /// The feature extractor for the front end this speaker reads, checked against its
    /// speech-to-latent model.
    func featureExtractor(audioEncoder: URL?) throws -> SpeechFeatureExtractor {
        switch meta.features {
        case SpeakerMeta.wav2vec2:
            guard let audioEncoder else {
                throw SpeakerError(file: bundle?.appendingPathComponent(Self.metaFile),
                                   "this speaker reads Wav2Vec2/HuBERT features: pass the audio encoder it was trained with (--audio-encoder DIR)")
            }
            let extractor = try SpeechFeatureExtractor(.wav2vec2(directory: audioEncoder))
            let front = extractor.frontEnd, c = s2l.config
            guard front.channels == c.featureDimension, front.layerCount == c.featureLayers, front.frameRate == Double(c.featureRate) else {
                throw SpeakerError(file: audioEncoder, "gives \(front.layerCount)×\(front.channels) features at \(front.frameRate) Hz; "
                                   + "this speaker's s2l.h5 reads \(c.featureLayers)×\(c.featureDimension) at \(c.featureRate) Hz")
            }
            return extractor
        default:
            return try SpeechFeatureExtractor(.logMel)
        }
    }

    /// The decoding settings `render` accepts, checked before any work.
    func checkDecoding(steps: Int, batchSize: Int) throws {
        guard (1...dae.diffusion.steps).contains(steps) else {
            throw SpeakerError(file: nil, "\(steps) DDIM steps; choose 1…\(dae.diffusion.steps)")
        }
        guard batchSize >= 1 else { throw SpeakerError(file: nil, "batch size \(batchSize); at least 1 frame per batch") }
    }

    /// Decodes z_sem (T, Z) into T frames, `batchSize` at a time, each batch handed to
    /// `sink` as soon as it is done. Returns the decode and write times. Stops before a batch
    /// with `CancellationError` when `InterruptSignal` is installed and raised.
    @discardableResult
    public func render(zSem: Tensor, steps: Int, sampler: DiffusionSampler = .ddim, noise: NoiseStart = .reference, batchSize: Int = 16,
                       into sink: FrameSink,
                       progress: GenerationProgress? = nil) throws -> GenerationTimings {
        guard zSem.rank == 2, zSem.size(1) == dae.config.zSemChannels else {
            throw SpeakerError(file: nil, "z_sem of shape \(zSem.shape); this speaker decodes (T, \(dae.config.zSemChannels))")
        }
        try checkDecoding(steps: steps, batchSize: batchSize)
        var timings = GenerationTimings()
        var decoder = FrameDecoder(renderer: frameRenderer(.teacher, steps: steps, sampler: sampler, noise: noise), noise: noise,
                                   reference: reference.xT, batchSize: batchSize, total: zSem.size(0), sink: sink, progress: progress)
        progress?(.decode, 0, zSem.size(0))
        try decoder.add(zSem, timings: &timings)
        try decoder.finish(timings: &timings)
        return timings
    }

    /// Where `generate` writes the frames until all are done.
    static let partialFramesName = ".frames.partial"
    /// Where `generate` writes latents.h5 until all frames are done.
    static let partialLatentsName = ".latents.h5.partial"

    /// `NAME.mp4` → (folder NAME, the MP4); a folder → (it, folder/video.mp4).
    public static func outputPlaces(_ output: URL) -> (folder: URL, video: URL) {
        if ["mp4", "m4v", "mov", "mkv"].contains(output.pathExtension.lowercased()) {
            return (output.deletingPathExtension(), output)
        }
        return (output, output.appendingPathComponent("video.mp4"))
    }
}
