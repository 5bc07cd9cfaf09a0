import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import Datasets
import Disentanglement

/// Trains a diffusion autoencoder (encoder and UNet end to end on DiffAE's ε loss) on the
/// training frames of speaker data sets, in a run folder:
///
///     RUN/options.json     the settings (`DAETrainingOptions`), fixed for the run's life
///     RUN/checkpoint.h5    weights + AdamW moments, EMA, step, generators, data order
///     RUN/dae.h5           the EMA weights: the model to encode and decode with
///     RUN/loss.csv         step, loss, smoothed loss, learning rate, gradient norm
///     RUN/motion_weight.png with `options.motionWeight`: what the per-pixel loss weight favours
///
/// With `options.latentSplit` the loss is `LatentSplitLoss`'s (ε + the split pressures, the
/// data sets serving as speaker ids) and the run also holds RUN/latent_split.h5 (the pose
/// head) and RUN/dae.split.json (the split, which `talkingface probe` reads).
///
/// The checkpoint and dae.h5 are written every `checkpointEvery` steps, at the end and on
/// Ctrl-C; a resumed run is bit-identical to one that never stopped. A NaN or infinite
/// loss stops the run with both files from the last good checkpoint left untouched.
///
/// Data-parallel over a `communicator`'s ranks: `batchSize` is the global batch; every rank
/// draws all of it (frames, flips, timesteps, noise, dropout masks) from the shared seed and trains on its
/// `shard`, so N ranks take the steps one process would. Rank 0 alone writes the run folder.
///
///     let trainer = try DAETrainer(options: options, run: runFolder)   // or resume: true
///     try trainer.train { print($0.step, $0.smoothedLoss) }
public final class DAETrainer {
    public let options: DAETrainingOptions
    public let run: URL
    public let model: DiffAE
    /// The latent split's pressures and pose head, when the run has a split.
    public let splitLoss: LatentSplitLoss?
    public let frames: TrainingFrames
    public let loop: TrainingLoop

    public var checkpointURL: URL { run.appendingPathComponent("checkpoint.h5") }
    public var modelURL: URL { run.appendingPathComponent(ModelFile.dae.fileName) }
    public var optionsURL: URL { run.appendingPathComponent("options.json") }
    public var logURL: URL { run.appendingPathComponent("loss.csv") }
    public var splitLossURL: URL { run.appendingPathComponent("latent_split.h5") }
    public var motionImageURL: URL { run.appendingPathComponent("motion_weight.png") }
    /// The per-pixel loss weight, when the run has `options.motionWeight`.
    public let motionWeighting: MotionWeighting?
    /// The latest split terms by name (epsilon, swap, pose, …), for progress lines.
    public private(set) var lastSplitTerms: [String: Float] = [:]
    /// Per data set, every frame's expression factors (frames, 6) as the probes see them
    /// (`GroundTruthFactors`), when the split reads expression out of z_exp.
    private let expressionTables: [Matrix]?

    /// Opens the data, builds the model and loop; with `resume`, restores RUN/checkpoint.h5
    /// (the options must be the run's own, see `resumeOptions`). A new run refuses a folder
    /// that already holds a checkpoint. `loading(done, total)` reports frame decoding.
    public init(options: DAETrainingOptions, run: URL, resume: Bool = false, memoryBudget: Int = 4 << 30,
                communicator: Communicator = SingleProcess(), loading: (Int, Int) -> Void = { _, _ in }) throws {
        try options.validate()
        try communicator.checkDivides(batch: options.batchSize)
        if communicator.size > 1 && options.latentSplit != nil {
            throw DAEWorkflowError.invalidOption("a latent split trains in one process: its pressures compare the frames of a batch with each other, which ranks holding parts of the batch cannot")
        }
        self.run = run
        let checkpoint = run.appendingPathComponent("checkpoint.h5")
        let fm = FileManager.default
        if resume {
            guard fm.fileExists(atPath: checkpoint.path) else {
                throw DAEWorkflowError.missingFile(checkpoint, "nothing to resume: the run has no checkpoint yet")
            }
        } else if fm.fileExists(atPath: checkpoint.path) {
            throw DAEWorkflowError.runExists(run, "already holds a training run (checkpoint.h5); pass --resume to continue it, or choose another --out")
        }

        let datasets = try options.data.map { try SpeakerDataset(at: URL(fileURLWithPath: $0)) }
        if options.latentSplitErasure == true, let bare = datasets.first(where: { $0.pose == nil }) {
            throw DAEWorkflowError.missingFile(bare.root.appendingPathComponent("pose.csv"), "the recipe's split_erasure erases the pose from z_exp and needs every frame's pose")
        }
        let spans = datasets.map {
            TrainingFrames.Span(dataset: $0, frames: $0.split(heldOutFraction: options.heldOutFraction, gapSeconds: options.gapSeconds).train)
        }
        let config = options.modelConfig
        frames = try TrainingFrames(spans, imageSize: config.imageSize, memoryBudget: memoryBudget, progress: loading)
        if let expected = options.trainingFrames, expected != frames.count {
            throw DAEWorkflowError.mismatch("the run was started on \(expected) training frames, the data now give \(frames.count); resume with the same data")
        }
        var options = options
        guard options.batchSize <= frames.count else {
            throw DAEWorkflowError.invalidOption("--batch \(options.batchSize) is more than the \(frames.count) training frames of \(options.data.joined(separator: ", "))")
        }
        options.trainingFrames = frames.count
        self.options = options

        model = DiffAE(config: config, seed: options.seed)
        if let initial = options.initialWeights, !resume {
            try Self.load(initialWeights: URL(fileURLWithPath: initial), into: model, preset: options.preset)
            if let gain = options.semanticGain {
                // z_sem's mean over (up to 256 evenly spaced) training frames
                let (all, n) = (frames.count, Swift.min(256, frames.count))
                let zSem = model.eval().encode(try frames.batch((0..<n).map { $0 * all / n }, flipped: nil))  // (n, Z)
                model.encoder.amplifySemanticCode(by: gain, around: zSem.mean(dims: [0], keepDims: true))
            }
        }
        if let strength = options.motionWeight {
            motionWeighting = try MotionWeighting(frames: frames, strength: strength)
        } else {
            motionWeighting = nil
        }
        var splitRNG = RandomGenerator(seed: options.seed &+ 4)  // the pose head's initial weights
        let tables = (options.latentSplitWeights?.expressionReadout ?? 0) != 0 ? try datasets.map(DAETrainer.expressionFactors) : nil
        expressionTables = tables
        let splitLoss = options.latentSplit.map {
            LatentSplitLoss(split: $0, weights: options.latentSplitWeights ?? LatentSplitWeights(), speakerCount: spans.count,
                            erasure: options.latentSplitErasure ?? false,
                            expressionLabels: tables?.first?.columns ?? 0, rng: &splitRNG)
        }
        self.splitLoss = splitLoss
        let dae = model
        let trained: Module = splitLoss.map { SplitTrainingModel(dae: dae, latentSplit: $0) } ?? dae
        let schedule = WarmupCosineSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps,
                                            totalSteps: options.steps, minimumRatio: 1)  // ratio 1: constant after warm-up
        let optimizer = AdamW(learningRate: options.learningRate, weightDecay: options.weightDecay)
        if splitLoss != nil {
            optimizer.rateScales.append((LatentSplitLoss.parameterPrefix, LatentSplitLoss.headRateScale))
        }
        if let scale = options.semanticRateScale {  // before the encoder's own: the first prefix that fits counts
            let projection = model.encoder.semanticProjection.weight
            let key = trained.namedTrainableParameters().first { $0.1 === projection }!.0  // "….encoder.out.N.weight"
            optimizer.rateScales.append((key.split(separator: ".").dropLast().joined(separator: ".") + ".", scale))  // the layer's weight and bias
        }
        if let scale = options.encoderRateScale {
            optimizer.rateScales.append((splitLoss == nil ? "encoder." : "dae.encoder.", scale))
        }
        loop = TrainingLoop(
            model: trained, optimizer: optimizer,
            ema: EMA(decay: options.emaDecay), learningRate: { schedule($0) }, maxGradientNorm: options.gradientClip,
            totalSteps: options.steps, checkpoint: checkpoint, checkpointEvery: options.checkpointEvery,
            config: config,
            generators: ["noise": RandomGenerator(seed: options.seed &+ 1), "flip": RandomGenerator(seed: options.seed &+ 2)],
            dataOrder: DataOrder(count: frames.count, seed: options.seed &+ 3))
        loop.communicator = communicator
        loop.inputs = options.data.map { URL(fileURLWithPath: $0).appendingPathComponent("frames").path } + [options.initialWeights].compactMap { $0 }

        if communicator.isRoot { try fm.createDirectory(at: run, withIntermediateDirectories: true) }
        if resume {
            try loop.resume(from: checkpoint)
            guard loop.dataOrder?.count == frames.count else {
                throw DAEWorkflowError.mismatch("\(checkpoint.path) orders \(loop.dataOrder?.count ?? 0) frames, the data give \(frames.count)")
            }
        }
        guard communicator.isRoot else { return }
        try options.write(to: optionsURL)
        try motionWeighting?.writeImage(to: motionImageURL)
    }

    /// Fine-tuning starts from the weights of the DAE `initial` names (`ModelFile`); the EMA
    /// then starts from them too (the loop seeds the average with the weights at step 0).
    static func load(initialWeights initial: URL, into model: DiffAE, preset: DiffAEPreset) throws {
        let url = try ModelFile.dae.resolve(initial)
        let stored = try Checkpoint.config(DiffAEConfig.self, from: url)
        guard stored == model.config else {
            if stored.predicting(model.config.prediction) == model.config {
                throw DAEWorkflowError.mismatch("\(url.path) predicts \(stored.prediction.rawValue), this run \(model.config.prediction.rawValue); fine-tune with \"prediction\": \"\(stored.prediction.rawValue)\" in the recipe")
            }
            throw DAEWorkflowError.mismatch("\(url.path) is not a \(preset.rawValue) model (its configuration differs); fine-tune with its own preset")
        }
        try Checkpoint.load(into: model, from: url, verify: .all)
    }

    /// The options a resumed run must use: those in RUN/options.json, with `steps` and
    /// `checkpointEvery` replaced when given (the only settings a resume may change).
    public static func resumeOptions(run: URL, steps: Int? = nil, checkpointEvery: Int? = nil) throws -> DAETrainingOptions {
        var options = try DAETrainingOptions.read(run.appendingPathComponent("options.json"))
        if let steps { options.steps = steps }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        return options
    }

    /// Trains up to `options.steps`. Returns early (after saving) on Ctrl-C or
    /// `loop.requestStop()`; throws `NonFiniteTrainingError` on NaN/Inf.
    @discardableResult
    public func train(progress: @escaping (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        let log = loop.communicator.isRoot ? try LossLog(url: logURL, keepingStepsUpTo: loop.step) : nil
        var saveError: Error?
        loop.progress = { [unowned self] report in
            log?.append(report)
            if report.checkpointSaved && saveError == nil {
                do { try self.saveModel() } catch {
                    saveError = error
                    self.loop.requestStop()
                }
            }
            progress(report)
        }
        defer { loop.progress = nil }
        let flip = options.horizontalFlip
        let batchSize = options.batchSize
        let result = try loop.run { context in
            let indices = context.dataOrder!.next(batchSize)
            let flips = flip ? indices.map { _ in context.generators["flip"]!.next() & 1 == 1 } : nil
            if let splitLoss {  // one process only (`init` refuses it on several ranks)
                let terms = splitLoss(model: model, x0: try frames.batch(indices, flipped: flips), speakers: frames.spanIndices(indices),
                                      pose: frames.poses(indices), expression: expressions(indices),
                                      rng: &context.generators["noise"]!)
                lastSplitTerms = terms.values
                return terms.total
            }
            return try rankLoss(global: indices, flips: flips, context: &context)
        }
        if let saveError { throw saveError }
        return result
    }

    /// DiffAE's loss on this rank's part of the global batch `global` (all of it in one
    /// process): the timesteps and noise of the whole batch are drawn, in the order
    /// `DiffAE.loss(x0:rng:)` draws them, this rank's rows kept, and its share of the loss set
    /// (its images' part of the per-image weights' sum, for a weighted mean).
    private func rankLoss(global: [Int], flips: [Bool]?, context: inout TrainingContext) throws -> Tensor {
        let mine = context.communicator.shard(of: global.count)
        let size = model.config.imageSize
        let timesteps = model.trainingTimesteps(global.count, rng: &context.generators["noise"]!,
                                                highNoiseShare: options.highNoiseShare ?? 0)
        let noise = Tensor.randn([global.count, 3, size, size], using: &context.generators["noise"]!)
        let weights = options.p2Gamma.map { gamma in timesteps.map { Float(model.diffusion.p2Weight($0, gamma: gamma)) } }
        if let weights { context.lossShare = weights[mine].reduce(0, +) / weights.reduce(0, +) }
        let x0 = try frames.batch(Array(global[mine]), flipped: flips.map { Array($0[mine]) })
        return model.loss(x0: x0, timesteps: Array(timesteps[mine]), noise: noise.slice(dim: 0, mine),
                          weights: weights.map { Array($0[mine]) }, pixelWeights: motionWeighting?.pixelWeights)
    }

    /// The expression factors of training frames `indices` (B, 6); nil without the readout.
    private func expressions(_ indices: [Int]) -> Tensor? {
        guard let expressionTables else { return nil }
        let rows = indices.map { index -> [Float] in
            let (span, frame) = frames.location(of: index)
            return expressionTables[span].row(frame).map(Float.init)
        }
        return Tensor(shape: [indices.count, rows.first?.count ?? 0], values: rows.flatMap { $0 })
    }

    /// A data set's expression factors (frames, 6), as the probes read them.
    static func expressionFactors(_ dataset: SpeakerDataset) throws -> Matrix {
        guard let expression = try GroundTruthFactors(dataset).values[.expression] else {
            throw DAEWorkflowError.missingFile(dataset.root.appendingPathComponent("factors.csv"),
                                               "the split's expression readout needs every frame's expression factors (a synthetic speaker's factors.csv)")
        }
        return expression
    }

    /// Writes the EMA weights (the model to use) to RUN/dae.h5; with a split also the pose
    /// head and the split beside it. A split's erasure is folded into the saved encoder
    /// (the training weights keep it apart: its moments are of the unerased z_exp).
    public func saveModel() throws {
        let save = {
            guard let splitLoss = self.splitLoss else { return try self.model.save(to: self.modelURL) }
            // folded only for the file: the EMA swaps these values back into its average
            try splitLoss.withErasureFolded(into: self.model.encoder) { try self.model.save(to: self.modelURL) }
            try splitLoss.save(to: self.splitLossURL)
            try splitLoss.split.write(to: LatentSplit.sidecar(of: self.modelURL))
        }
        guard let ema = loop.ema else { return try save() }
        try ema.withAveragedWeights(in: loop.model) { try save() }
    }
}

/// RUN/loss.csv, appended to one step at a time; on resume the rows after the checkpoint's
/// step (written before a crash) are dropped, so the file always matches the run.
final class LossLog {
    private let handle: FileHandle
    static let header = "step,loss,smoothed_loss,learning_rate,gradient_norm\n"

    init(url: URL, keepingStepsUpTo step: Int) throws {
        var kept = LossLog.header
        if step > 0, let text = try? String(contentsOf: url, encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                guard let first = line.split(separator: ",").first, let s = Int(first), s <= step else { continue }
                kept += line + "\n"
            }
        }
        try Data(kept.utf8).writeAtomically(to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    func append(_ p: TrainingProgress) {
        let line = "\(p.step),\(p.loss),\(p.smoothedLoss),\(p.learningRate),\(p.gradientNorm)\n"
        try? handle.write(contentsOf: Data(line.utf8))
    }

    deinit { try? handle.close() }
}
