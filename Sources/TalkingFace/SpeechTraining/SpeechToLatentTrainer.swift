import Autodiff
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import Datasets

/// Model sizes for `s2l train --preset`.
public enum SpeechToLatentPreset: String, CaseIterable, Codable, Sendable {
    /// D 192, 3 + 3 blocks: trains in hours on 2 CPU cores.
    case cpu
    /// DiffDub's setting: D 512, 4 + 4 blocks.
    case diffdub
    /// D 32, 1 + 1 blocks, 2 s windows: smoke tests and notebooks' smoke runs.
    case tiny

    public func config(featureDimension: Int, featureLayers: Int, featureRate: Int, latentDimension: Int) -> SpeechToLatentConfig {
        switch self {
        case .cpu:
            return .cpu(featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate, latentDimension: latentDimension)
        case .diffdub:
            var config = SpeechToLatentConfig.diffDub(featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate)
            config.latentDimension = latentDimension
            return config
        case .tiny:
            return SpeechToLatentConfig(
                featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate,
                dimension: 32, heads: 2, feedForward: 64, kernelSize: 5, encoderBlocks: 1, decoderBlocks: 1, dropout: 0,
                latentDimension: latentDimension, posePredictorChannels: 16, windowSeconds: 2)
        }
    }
}

/// Settings of one speech-to-latent training run; stored in RUN/run.json. Its JSON form is
/// also the `s2l train --recipe` file (`SpeechToLatentTrainingOptions+Recipe.swift`).
public struct SpeechToLatentTrainingOptions: Codable, Equatable, Sendable {
    /// The model size of a new `s2l train` run (nil: cpu); a resumed or fine-tuned run keeps
    /// its checkpoint's.
    public var preset: SpeechToLatentPreset?
    public var steps = 20_000
    public var batchSize = 8
    /// Peak learning rate (Adam, DiffDub's 1e-4), after a linear warm-up, cosine to 10 %.
    public var learningRate = 1e-4
    /// Warm-up steps; nil: a tenth of the run, at most 1000.
    public var warmupSteps: Int?
    public var seed: UInt64 = 0
    public var checkpointEvery = 500
    public var maxGradientNorm: Float = 1
    public var heldOutFraction = 0.1
    public var gapSeconds = 1.0
    /// The model whose weights start the run instead of random ones (fine-tuning): an
    /// s2l.h5, or a run or speaker bundle folder holding one (`ModelFile`); the
    /// configuration must match. The z_sem and pose statistics still come from the new data.
    public var initialWeights: String?

    public init() {}

    var warmup: Int { min(steps, warmupSteps ?? min(1000, steps / 10)) }
}

/// What a run folder records besides the checkpoint: where the data came from and which
/// speech front end made the features (`s2l predict` needs the same one).
public struct SpeechToLatentRunInfo: Codable, Equatable, Sendable {
    public struct Source: Codable, Equatable, Sendable {
        public var data: String
        public var latents: String
    }
    public var sources: [Source]
    /// The Wav2Vec2/HuBERT folder, nil for log-mel.
    public var audioEncoder: String?
    public var options: SpeechToLatentTrainingOptions
    /// The model's pose inputs and outputs.
    public var poseUnits = "degrees"

    enum CodingKeys: String, CodingKey {
        case sources, options
        case audioEncoder = "audio_encoder"
        case poseUnits = "pose_units"
    }

    public static func read(_ url: URL) throws -> SpeechToLatentRunInfo {
        let decoder = JSONDecoder()
        decoder.userInfo[RecipeFile.runRecord] = true  // runs written before recipes keep their keys
        do { return try decoder.decode(Self.self, from: Data(contentsOf: url)) } catch {
            throw DatasetError.unreadable(url, "\(error)")
        }
    }

    public func write(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }
}

/// Trains a speech-to-latent model on `SpeechTrainingData` with the shared `TrainingLoop`
/// (checkpoint every N steps, at the end and on Ctrl-C; exact resume; NaN guard) and
/// scores it on the held-out frames. The run folder holds
///
///     RUN/s2l.h5      model, config, z_sem/pose statistics and training state
///     RUN/run.json    data sources, front end, options
///     RUN/eval.json   held-out scores (`SpeechToLatentEvaluation`)
///
/// Data-parallel over a `communicator`'s ranks: `batchSize` is the global batch; every rank
/// draws all of its windows (padded to the longest of the global batch) and trains on its
/// shard, its loss weighted by its share of the batch's real frames. Not bit-for-bit one
/// process's steps: BatchNorm's batch statistics are each rank's own (rank 0's running
/// statistics are kept). Rank 0 alone writes the run folder.
public final class SpeechToLatentTrainer {
    public static let checkpointName = ModelFile.speechToLatent.fileName
    public static let runInfoName = "run.json"
    public static let evaluationName = "eval.json"

    public let data: SpeechTrainingData
    public let model: SpeechToLatentModel
    public let loop: TrainingLoop
    public let runFolder: URL
    public let options: SpeechToLatentTrainingOptions
    private let examples: [(speaker: Int, frames: Range<Int>)]

    public var checkpointURL: URL { runFolder.appendingPathComponent(Self.checkpointName) }

    /// Builds the model from `config` (or, resuming, from the checkpoint's own config) with
    /// statistics of the training frames, and the loop; `resume` continues `RUN/s2l.h5`.
    /// Refuses to overwrite an existing checkpoint without `resume`.
    public init(data: SpeechTrainingData, config: SpeechToLatentConfig, options: SpeechToLatentTrainingOptions,
                runFolder: URL, resume: Bool, audioEncoder: URL? = nil, communicator: Communicator = SingleProcess()) throws {
        try communicator.checkDivides(batch: options.batchSize)
        self.data = data
        self.runFolder = runFolder
        self.options = options
        let checkpoint = runFolder.appendingPathComponent(Self.checkpointName)
        let exists = FileManager.default.fileExists(atPath: checkpoint.path)
        if exists && !resume {
            throw MediaIOError(.invalidArgument, file: checkpoint, "a run is already here; pass --resume to continue it, or choose another --out")
        }
        let config = exists ? try Checkpoint.config(SpeechToLatentConfig.self, from: checkpoint) : config
        guard config.featureDimension == data.featureDimension, config.featureLayers == data.featureLayers,
              config.featureRate == data.featureRate, config.frameRate == data.frameRate, config.latentDimension == data.latentDimension else {
            throw MediaIOError(.invalidArgument, file: checkpoint, "the model reads \(config.featureLayers)×\(config.featureDimension) features at \(config.featureRate) Hz → "
                                  + "\(config.latentDimension)-d z_sem; the data has \(data.featureLayers)×\(data.featureDimension) at \(data.featureRate) Hz → \(data.latentDimension)-d")
        }
        guard options.batchSize > 0, options.steps >= 0, options.checkpointEvery > 0 else {
            throw SpeechToLatentError("batch size and checkpoint interval must be positive, steps not negative")
        }
        model = try SpeechToLatentModel(config: config, seed: options.seed)
        if let initial = options.initialWeights, !exists {
            let url = try ModelFile.speechToLatent.resolve(initial)
            guard try Checkpoint.config(SpeechToLatentConfig.self, from: url) == config else {
                throw MediaIOError(.invalidArgument, file: url, "its model configuration differs from the one being trained")
            }
            try Checkpoint.load(into: model, from: url, verify: .all)
        }
        let statistics = try data.trainingStatistics()
        model.latentStatistics = statistics.latents
        if let pose = statistics.pose { model.poseStatistics = pose }
        examples = data.trainingExamples(windowFrames: config.windowFrames)

        let schedule = WarmupCosineSchedule(peak: options.learningRate, warmupSteps: options.warmup, totalSteps: options.steps, minimumRatio: 0.1)
        loop = TrainingLoop(
            model: model, optimizer: AdamW(learningRate: options.learningRate, weightDecay: 0), learningRate: { schedule($0) },
            maxGradientNorm: options.maxGradientNorm, totalSteps: options.steps, checkpoint: checkpoint,
            checkpointEvery: options.checkpointEvery, config: config,
            generators: ["windows": RandomGenerator(seed: options.seed &+ 1)],
            dataOrder: DataOrder(count: examples.count, seed: options.seed &+ 2))
        loop.communicator = communicator
        loop.inputs = data.speakers.flatMap { [$0.data.appendingPathComponent("audio.wav").path, $0.latentsFile.path] }
            + [options.initialWeights].compactMap { $0 }
        if communicator.isRoot { try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true) }
        if exists {
            try loop.resume(from: checkpoint)
            if let order = loop.dataOrder, order.count != examples.count {
                throw MediaIOError(.invalidArgument, file: checkpoint, "this run trained on \(order.count) windows' worth of data, the given data has "
                                   + "\(examples.count); resume with the same --data and --latents")
            }
        }
        guard communicator.isRoot else { return }
        let info = SpeechToLatentRunInfo(
            sources: data.speakers.map { .init(data: $0.data.path, latents: $0.latentsFile.path) },
            audioEncoder: audioEncoder?.standardizedFileURL.path, options: options)
        try info.write(to: runFolder.appendingPathComponent(Self.runInfoName))
    }

    /// Trains up to `options.steps`; returns early (checkpoint saved) on Ctrl-C.
    @discardableResult
    public func train(progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainingResult {
        loop.progress = progress
        let (w, s) = (model.config.windowFrames, model.config.stride)
        let batchSize = options.batchSize
        return try loop.run { [data, examples, model] context in
            let clips = context.dataOrder!.next(batchSize).map { index -> SpeechToLatentClip in
                let example = examples[index]
                return data.speakers[example.speaker].clip(example.frames)
            }
            let batch = SpeechToLatentBatch.windows(from: clips, windowFrames: w, stride: s, using: &context.generators["windows"]!)
            guard context.communicator.size > 1 else { return model.loss(batch).total }
            let mine = context.communicator.shard(of: batch.lengths.count)
            context.lossShare = Float(batch.lengths[mine].reduce(0, +)) / Float(batch.lengths.reduce(0, +))  // a mean over real frames
            return model.loss(batch.rows(mine)).total
        }
    }

    /// Scores the model on every speaker's held-out part and writes `RUN/eval.json`.
    public func evaluate() throws -> SpeechToLatentEvaluation {
        let evaluation = try SpeechToLatentEvaluation.evaluate(model, clips: data.heldOutClips())
        try evaluation.writeJSON(to: runFolder.appendingPathComponent(Self.evaluationName))
        return evaluation
    }
}
