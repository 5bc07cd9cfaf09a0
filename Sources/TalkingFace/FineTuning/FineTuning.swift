import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import Datasets

/// What `talkingface finetune` was asked to do; stored as OUT/finetune.json so a rerun of
/// the same command continues where the last one stopped. Its JSON form is also the
/// `finetune --recipe` file (`FineTuneOptions+Recipe.swift`).
public struct FineTuneOptions: Codable, Equatable, Sendable {
    /// The speaker bundle to start from.
    public var base: String
    /// The person's data set folder (frames/ + audio.wav + meta.json, or a video in it).
    public var data: String
    public var daeSteps = 1500
    public var s2lSteps = 2000
    public var batchSize = 8
    public var daeLearningRate = 1e-4
    public var s2lLearningRate = 1e-4
    public var seed: UInt64 = 0
    public var checkpointEvery = 100
    /// A Wav2Vec2/HuBERT folder, when the base bundle reads its features.
    public var audioEncoder: String?
    /// The frame whose x_T the bundle shares; nil: the most typical training frame.
    public var referenceFrame: Int?
    /// The DAE stage's loss weight on moving pixels (`dae train`'s motion_weight; nil: none).
    public var motionWeight: Float?
    /// The DAE stage's share of timesteps from the noisier half (`dae train`'s
    /// high_noise_share; nil: none).
    public var highNoiseShare: Double?
    /// The new bundle's name.
    public var name: String

    public init(base: String, data: String, name: String) {
        self.base = base
        self.data = data
        self.name = name
    }

    public func write(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }

    public static func read(_ url: URL) throws -> FineTuneOptions {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DatasetError.unreadable(url, "no such file") }
        do { return try RecipeFile.decode(Self.self, from: data, runRecord: true).value } catch {
            throw DatasetError.unreadable(url, "\(error)")
        }
    }
}

/// Per-speaker fine-tuning (docs/architecture.md §11): from a base bundle and one person's recording,
/// four stages, each in its own place in the output folder and each resumable:
///
///     OUT/finetune.json   the options (a rerun must agree with them)
///     OUT/dae/            1. the DAE fine-tuned from the base's dae.h5 (a `dae train` run)
///     OUT/latents.h5      2. z_sem of every frame under that DAE (`dae encode`)
///     OUT/s2l/            3. speech → z_sem fine-tuned from the base's s2l.h5 (an `s2l train` run)
///     OUT/speaker/        4. the new speaker bundle: dae.h5, s2l.h5, reference.h5, meta.json (float16)
///
/// A stage that has finished is skipped; one that was interrupted continues from its
/// checkpoint. Without audio in the data only the DAE stages run.
///
/// With a `communicator` of several ranks the two training stages are data-parallel
/// (`DAETrainer`, `SpeechToLatentTrainer`; `batchSize` is the global batch); rank 0 alone
/// encodes, assembles the bundle and writes files, while the others wait for it.
public final class FineTuning {
    /// The frame rate speech-to-latent models work at (docs/architecture.md §6): videos with speech are
    /// brought to it on import.
    public static let speechFrameRate = 25.0

    public enum Stage: String, CaseIterable, Sendable {
        case dae, encode, s2l, bundle
    }

    /// The rate to import `video` at for a run that stops after `until`: the speech model's
    /// when the video has speech that a later stage reads and is at another rate (a 30 fps
    /// phone video would otherwise stop at the s2l stage, after the DAE's training); nil keeps
    /// every stored frame. `native` is the video's own rate.
    public static func importFrameRate(of video: URL, until: Stage) throws -> (resampled: Double?, native: Double) {
        let native = try Video.frameRate(of: video)
        let readsSpeech = Stage.allCases.firstIndex(of: until)! >= Stage.allCases.firstIndex(of: .s2l)!
        let resample = try readsSpeech && Video.hasAudio(video) && abs(native - speechFrameRate) > 1e-3
        return (resample ? speechFrameRate : nil, native)
    }

    /// What a stage reports while it runs.
    public enum Event {
        case started(Stage, String)
        case training(Stage, TrainingProgress)
        case progress(Stage, done: Int, total: Int)
        case finished(Stage, String)
        case skipped(Stage, String)
    }

    public let options: FineTuneOptions
    public let folder: URL
    public let base: URL
    public let dataset: SpeakerDataset

    public var daeRun: URL { folder.appendingPathComponent("dae") }
    public var latentsURL: URL { folder.appendingPathComponent("latents.h5") }
    public var s2lRun: URL { folder.appendingPathComponent("s2l") }
    public var bundleURL: URL { folder.appendingPathComponent("speaker") }
    public var optionsURL: URL { folder.appendingPathComponent("finetune.json") }

    /// Checks the base bundle and the data before anything is written; a folder that holds
    /// an earlier fine-tuning must have been started with the same options (steps may grow).
    /// The ranks of a data-parallel fine-tuning (a single process by default).
    public var communicator: Communicator = SingleProcess()

    public init(options: FineTuneOptions, folder: URL) throws {
        self.folder = folder
        base = URL(fileURLWithPath: options.base)
        try Speaker.checkBundle(base)
        dataset = try SpeakerDataset(at: URL(fileURLWithPath: options.data))
        // The DAE stage draws its batches from the training part (the default split): a
        // larger batch is refused here, before the output folder is made.
        let trainingFrames = dataset.split().train.count
        guard options.batchSize <= trainingFrames else {
            throw DAEWorkflowError.invalidOption("--batch \(options.batchSize) is more than the \(trainingFrames) training frames of \(dataset.root.path)")
        }
        let stored = try? FineTuneOptions.read(folder.appendingPathComponent("finetune.json"))
        if let stored {
            var comparable = stored
            comparable.daeSteps = options.daeSteps
            comparable.s2lSteps = options.s2lSteps
            comparable.checkpointEvery = options.checkpointEvery
            guard comparable == options else {
                throw DAEWorkflowError.mismatch("\(folder.path) holds a fine-tuning started with other options (finetune.json); rerun it with the same ones (only the step counts may change) or choose another --out")
            }
        }
        self.options = options
    }

    /// The base DAE's preset and what its UNet predicts (fine-tuning keeps both).
    private func baseShape() throws -> (preset: DiffAEPreset, prediction: DiffusionPrediction) {
        let url = base.appendingPathComponent(Speaker.daeFile)
        let config = try Checkpoint.config(DiffAEConfig.self, from: url)
        guard let preset = DiffAEPreset(shapeOf: config) else {
            throw SpeakerError(file: url, "its DiffAE configuration is not one of the presets (\(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", "))); fine-tuning needs one")
        }
        return (preset, config.prediction)
    }

    /// Runs the stages up to `last` (all by default). Returns the bundle, or nil when the
    /// run stopped early (Ctrl-C, `last`, or no audio to train speech on).
    @discardableResult
    public func run(until last: Stage = .bundle, report: @escaping (Event) -> Void = { _ in }) throws -> URL? {
        try checkData(until: last)
        try communicator.checkDivides(batch: options.batchSize)
        if communicator.isRoot {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            removeStalePartialFiles(in: folder)  // left by a run killed while writing latents.h5 or finetune.json
            try options.write(to: optionsURL)
        }
        try communicator.barrier()  // the folder exists before any rank reads in it

        guard try fineTuneDAE(report) else { return nil }
        if last == .dae { return nil }
        if communicator.isRoot { try encode(report) }
        try communicator.barrier()  // latents.h5 written before any rank reads it
        if last == .encode { return nil }
        guard dataset.hasAudio else {
            report(.skipped(.s2l, "\(dataset.audioURL.path) is missing: the speech stages need the person's voice; the DAE is fine-tuned (\(daeRun.path)/dae.h5)"))
            return nil
        }
        guard try fineTuneSpeechToLatent(report) else { return nil }
        if last == .s2l { return nil }
        guard communicator.isRoot else { return nil }
        try assemble(report)
        return bundleURL
    }

    /// The whole data set, before the first stage spends its time: the frames and meta.json
    /// (`SpeakerDataset` has read them), the audio when there is some (even for a run that
    /// stops before the speech stage: bad speech is better known now than after the DAE's
    /// hours), and the speech model's frame rate when the run reaches it.
    private func checkData(until last: Stage) throws {
        guard dataset.hasAudio else { return }
        try dataset.checkAudio()
        let readsSpeech = Stage.allCases.firstIndex(of: last)! >= Stage.allCases.firstIndex(of: .s2l)!
        if readsSpeech, abs(dataset.meta.fps - Self.speechFrameRate) > 1e-6 {
            throw DatasetError.invalid(dataset.root.appendingPathComponent("meta.json"), key: "'fps'",
                                       "\(dataset.meta.fps) frames per second; the speech stage works at \(Self.speechFrameRate) fps (give the video with --video to resample it, or stop with --until encode)")
        }
    }

    /// Stage 1. False when interrupted.
    private func fineTuneDAE(_ report: @escaping (Event) -> Void) throws -> Bool {
        let resume = FileManager.default.fileExists(atPath: daeRun.appendingPathComponent("checkpoint.h5").path)
        var daeOptions: DAETrainingOptions
        if resume {
            daeOptions = try DAETrainer.resumeOptions(run: daeRun, steps: options.daeSteps, checkpointEvery: options.checkpointEvery)
        } else {
            let shape = try baseShape()
            daeOptions = DAETrainingOptions(data: [dataset.root.standardizedFileURL.path], preset: shape.preset, steps: options.daeSteps)
            daeOptions.prediction = shape.prediction == .epsilon ? nil : shape.prediction
            daeOptions.batchSize = options.batchSize
            daeOptions.learningRate = options.daeLearningRate
            daeOptions.seed = options.seed
            daeOptions.motionWeight = options.motionWeight
            daeOptions.highNoiseShare = options.highNoiseShare
            // The average starts at the base weights: a 1,000-step horizon would keep most of
            // them through a short fine-tune, so average over a tenth of the run instead.
            daeOptions.emaDecay = Float(Swift.min(0.999, Swift.max(0.9, 1 - 10 / Double(options.daeSteps))))
            daeOptions.checkpointEvery = options.checkpointEvery
            daeOptions.initialWeights = base.appendingPathComponent(Speaker.daeFile).standardizedFileURL.path
        }
        let trainer = try DAETrainer(options: daeOptions, run: daeRun, resume: resume, communicator: communicator) { done, total in
            report(.progress(.dae, done: done, total: total))
        }
        if trainer.loop.step >= daeOptions.steps {
            report(.skipped(.dae, "already fine-tuned for \(trainer.loop.step) steps (\(trainer.modelURL.path))"))
            return true
        }
        report(.started(.dae, "fine-tuning the DAE from \(daeOptions.initialWeights ?? "its checkpoint") on \(trainer.frames.count) frames, step \(trainer.loop.step) → \(daeOptions.steps)"))
        let result = try trainer.train { report(.training(.dae, $0)) }
        if result.interrupted { return false }
        report(.finished(.dae, trainer.modelURL.path))
        return true
    }

    /// Stage 2: z_sem of every frame (the speech stage needs them all, its own split decides
    /// what it trains on). Redone when the DAE has moved on since the file was written.
    private func encode(_ report: @escaping (Event) -> Void) throws {
        let modelURL = try ModelFile.dae.resolve(daeRun)
        let stamp = try Self.stamp(of: modelURL)
        if let existing = try? Latents.read(latentsURL), existing.attributes["model_stamp"] == stamp {
            report(.skipped(.encode, "\(latentsURL.path) is up to date"))
            return
        }
        report(.started(.encode, "encoding \(dataset.frameCount) frames"))
        let model = try DiffAE.load(checkpoint: modelURL)
        var latents = try FaceAutoencoding.encode(model: model, dataset: dataset, frames: Array(0..<dataset.frameCount),
                                                  stochastic: false) { report(.progress(.encode, done: $0, total: $1)) }
        latents.attributes["model"] = modelURL.path
        latents.attributes["model_stamp"] = stamp
        try latents.write(to: latentsURL)
        report(.finished(.encode, latentsURL.path))
    }

    /// Identifies one version of a model file: its size and modification time.
    static func stamp(of url: URL) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)@\(modified)"
    }

    /// Stage 3. False when interrupted.
    private func fineTuneSpeechToLatent(_ report: @escaping (Event) -> Void) throws -> Bool {
        let baseModel = base.appendingPathComponent(Speaker.s2lFile)
        let encoder = options.audioEncoder.map { URL(fileURLWithPath: $0) }
        let extractor = try SpeechFeatureExtractor(encoder.map { .wav2vec2(directory: $0) } ?? .logMel)
        let data = try SpeechTrainingData(sources: [(dataset.root, latentsURL)], extractor: extractor)
        var s2lOptions = SpeechToLatentTrainingOptions()
        s2lOptions.steps = options.s2lSteps
        s2lOptions.batchSize = options.batchSize
        s2lOptions.learningRate = options.s2lLearningRate
        s2lOptions.seed = options.seed
        s2lOptions.checkpointEvery = options.checkpointEvery
        s2lOptions.initialWeights = baseModel.standardizedFileURL.path
        let checkpoint = s2lRun.appendingPathComponent(SpeechToLatentTrainer.checkpointName)
        let resume = FileManager.default.fileExists(atPath: checkpoint.path)
        let config = try Checkpoint.config(SpeechToLatentConfig.self, from: baseModel)
        let trainer = try SpeechToLatentTrainer(data: data, config: config, options: s2lOptions, runFolder: s2lRun,
                                                resume: resume, audioEncoder: encoder, communicator: communicator)
        if trainer.loop.step >= s2lOptions.steps {
            report(.skipped(.s2l, "already fine-tuned for \(trainer.loop.step) steps (\(checkpoint.path))"))
            return true
        }
        report(.started(.s2l, "fine-tuning speech → z_sem from \(baseModel.path), step \(trainer.loop.step) → \(s2lOptions.steps)"))
        let result = try trainer.train { report(.training(.s2l, $0)) }
        if result.interrupted { return false }
        guard communicator.isRoot else { return true }
        let evaluation = try trainer.evaluate()
        report(.finished(.s2l, "\(checkpoint.path)\n\(evaluation.table())"))
        return true
    }

    /// Stage 4: the bundle, in float16, with the base's decode steps.
    private func assemble(_ report: @escaping (Event) -> Void) throws {
        let baseMeta = try SpeakerMeta.read(base.appendingPathComponent(Speaker.metaFile))
        let reference = try options.referenceFrame ?? Speaker.typicalTrainingFrame(latentsFile: latentsURL, of: dataset)
        report(.started(.bundle, "reference x_T from frame \(reference) (\(baseMeta.defaultSteps) DDIM steps)"))
        var madeBy = [
            "how": "talkingface finetune from \(options.base) on \(options.data)",
            "dae_steps": String(options.daeSteps), "s2l_steps": String(options.s2lSteps), "seed": String(options.seed),
            "reference_frame": String(reference),
        ]
        madeBy["base"] = baseMeta.name
        // The video the data set's frames were cut from and how: `generate` pastes its crops back into it.
        if let video = dataset.meta.source?["video_path"] {
            madeBy[SpeakerMeta.sourceVideoKey] = video
            madeBy[SpeakerMeta.sourceCropKey] = dataset.meta.source?["crop"] ?? "fixed"
        }
        let speaker = try Speaker.assemble(
            dae: ModelFile.dae.resolve(daeRun), s2l: ModelFile.speechToLatent.resolve(s2lRun),
            dataset: dataset, referenceFrame: reference, steps: baseMeta.defaultSteps, name: options.name,
            s2lPreset: baseMeta.s2lPreset, madeBy: madeBy)
        try speaker.write(to: bundleURL, precision: .float16)
        report(.finished(.bundle, bundleURL.path))
    }
}
