import Autodiff
import Foundation
import MediaIO

/// What a training step sees: its index and the random streams and data order it may
/// advance. The loop keeps their state (and checkpoints it), so a resumed run draws the
/// same noise and visits the same examples as an uninterrupted one.
public struct TrainingContext {
    /// 0-based index of the step being computed (= optimizer steps completed before it).
    public let step: Int
    /// Named generators (noise, time steps, augmentation …), as given to the loop.
    public var generators: [String: RandomGenerator]
    /// The example order, if the loop was given one.
    public var dataOrder: DataOrder?
    /// The ranks of a data-parallel run (`SingleProcess` for one process). A step draws the
    /// whole global batch (its examples and their randomness) on every rank and computes the
    /// loss of `communicator.shard(of:)` of it.
    public let communicator: Communicator
    /// This rank's share of the global batch's loss: the weight its part of the batch has in
    /// the global batch's mean (a weighted mean's weights, or real frames of padded windows).
    /// nil: 1 / ranks, an equal split. The loop scales this rank's gradient by share × ranks
    /// before averaging, so the average is the gradient of the global batch's loss.
    public var lossShare: Float?

    /// For running a trainer's step closure outside a loop (tests).
    public init(step: Int, generators: [String: RandomGenerator] = [:], dataOrder: DataOrder? = nil,
                communicator: Communicator = SingleProcess()) {
        self.step = step
        self.generators = generators
        self.dataOrder = dataOrder
        self.communicator = communicator
    }
}

/// How a `run` ended.
public struct TrainingResult: Sendable {
    /// Optimizer steps completed in total.
    public let step: Int
    /// True when Ctrl-C, SIGTERM or `requestStop()` ended the run early (after saving);
    /// `InterruptSignal.receivedSignal` tells which signal, if any.
    public let interrupted: Bool
    /// The last step's loss (nil if no step ran).
    public let lastLoss: Float?
}

/// A loss or gradient that is NaN or infinite. Nothing was updated or saved for that step:
/// the checkpoint on disk (if any) is the last good one.
public struct NonFiniteTrainingError: Error, CustomStringConvertible, LocalizedError {
    /// 0-based index of the failing step.
    public let step: Int
    public let loss: Float
    /// The global gradient norm, when the loss was finite but a gradient was not.
    public let gradientNorm: Float?
    public let lastCheckpoint: URL?
    public let lastCheckpointStep: Int?
    /// What the loss is computed from (`TrainingLoop.inputs`), named as the places to look.
    public var inputs: [String] = []

    public var description: String {
        let what = gradientNorm.map { "gradient norm \($0) (loss \(loss))" } ?? "loss \(loss)"
        let suspects = inputs.isEmpty ? "" : "; values far outside their usual range in \(inputs.joined(separator: ", ")), "
            + "or too high a learning rate, can cause this"
        let kept = lastCheckpoint.map { url in
            "; the checkpoint \(url.path) from step \(lastCheckpointStep.map(String.init) ?? "?") is untouched"
        } ?? ""
        return "training stopped at step \(step): \(what)\(suspects)\(kept)"
    }
    public var errorDescription: String? { description }
}

/// The training loop both trainers share: step closure → backward → gradient clip →
/// learning rate → optimizer → EMA, with a checkpoint every `checkpointEvery` steps, at
/// the end and on Ctrl-C or SIGTERM, exact resume, progress reports and a NaN/Inf guard.
///
///     let loop = TrainingLoop(model: model, optimizer: AdamW(learningRate: 1e-4), ema: EMA(decay: 0.9999),
///                             totalSteps: 10_000, checkpoint: run.appendingPathComponent("last.h5"),
///                             config: config, dataOrder: DataOrder(count: clips.count, seed: 1))
///     if FileManager.default.fileExists(atPath: url.path) { try loop.resume(from: url) }
///     loop.progress = { print($0.step, $0.smoothedLoss) }
///     try loop.run { context in
///         let batch = data.batch(context.dataOrder!.next(8))
///         return model.loss(batch)
///     }
///
/// Data-parallel: with a `communicator` of N ranks, every rank runs this loop on its part
/// of each global batch; the gradients (and the loss) are averaged over the ranks before the
/// clip, so every rank takes the same step and keeps the same AdamW moments and EMA (checked
/// at the start and at every checkpoint). A stop request on any rank stops all after the
/// same step. Rank 0 alone reports progress and writes checkpoints.
///
/// Exact resume: the checkpoint holds the weights and buffers, the optimizer moments, the
/// EMA, the step counter, every named generator, the data order and the generator of each
/// `Dropout` in the model; loading it makes the rest of the run bit-identical to one that
/// never stopped.
public final class TrainingLoop {
    public let model: Module
    public let optimizer: any Optimizer
    public let ema: EMA?
    /// Learning rate for a 0-based step; nil keeps the optimizer's own.
    public var learningRate: ((Int) -> Double)?
    /// Global gradient-norm clip (nil: none).
    public var maxGradientNorm: Float?
    public var totalSteps: Int
    public var checkpointURL: URL?
    public var checkpointEvery: Int
    /// Stored as JSON in every checkpoint, to rebuild the model from it.
    public var config: any Encodable
    /// Called after every step.
    public var progress: ((TrainingProgress) -> Void)?
    /// Decay of the smoothed loss in progress reports.
    public var lossSmoothing = 0.98
    /// Whether `run` routes Ctrl-C and SIGTERM to a clean stop (turn off to handle them yourself).
    public var handlesInterrupt = true
    /// What the loss is computed from (data folders, files, initial weights): a non-finite
    /// loss's error names them.
    public var inputs: [String] = []
    /// The ranks of a data-parallel run; a single process by default.
    public var communicator: Communicator = SingleProcess()

    /// Optimizer steps completed.
    public private(set) var step = 0
    public var generators: [String: RandomGenerator]
    public var dataOrder: DataOrder?
    /// The step of the newest checkpoint written or resumed from.
    public private(set) var lastCheckpointStep: Int?
    private var stopRequested = false

    public init(
        model: Module, optimizer: any Optimizer, ema: EMA? = nil, learningRate: ((Int) -> Double)? = nil,
        maxGradientNorm: Float? = nil, totalSteps: Int, checkpoint: URL? = nil, checkpointEvery: Int = 1000,
        config: any Encodable, generators: [String: RandomGenerator] = [:], dataOrder: DataOrder? = nil
    ) {
        precondition(totalSteps >= 0 && checkpointEvery > 0, "totalSteps ≥ 0 and checkpointEvery > 0")
        self.model = model
        self.optimizer = optimizer
        self.ema = ema
        self.learningRate = learningRate
        self.maxGradientNorm = maxGradientNorm
        self.totalSteps = totalSteps
        self.checkpointURL = checkpoint
        self.checkpointEvery = checkpointEvery
        self.config = config
        self.generators = generators
        self.dataOrder = dataOrder
    }

    /// Ends the current `run` after the step in progress, with a checkpoint (as Ctrl-C does).
    public func requestStop() { stopRequested = true }

    // MARK: - Running

    /// Trains from the current step to `totalSteps`. `computeLoss` builds the scalar loss on
    /// the tape; the loop does the rest. Returns early (after saving) on Ctrl-C, SIGTERM or
    /// `requestStop()`; throws `NonFiniteTrainingError` without updating or saving when a
    /// loss or gradient is not finite, and rethrows the closure's and checkpoint errors.
    @discardableResult
    public func run(_ computeLoss: (inout TrainingContext) throws -> Tensor) throws -> TrainingResult {
        model.train()
        stopRequested = false
        if handlesInterrupt {
            InterruptSignal.reset()
            InterruptSignal.install()
        }
        defer { if handlesInterrupt { InterruptSignal.uninstall() } }
        let ranks = communicator.size
        let averaging = ranks > 1 ? GradientAveraging(parameters: model.trainableParameters()) : nil
        // What a process killed mid-write left beside the checkpoint (a start or a resume).
        if let checkpointURL, communicator.isRoot { removeStalePartialFiles(in: checkpointURL.deletingLastPathComponent()) }
        if let ema, ema.average.isEmpty, step == 0 { ema.update(model) }  // start from the initial weights
        if ranks > 1 { try checkRanksAgree() }
        let dropouts = ranks > 1 ? dropoutLayers(of: model).map(\.1) : []
        for layer in dropouts { layer.shard = (communicator.rank, ranks) }  // each rank masks its part of the batch
        defer { for layer in dropouts { layer.shard = nil } }

        var smoother = LossSmoother(decay: lossSmoothing)
        var rate = StepRate()
        var lastLoss: Float?
        while step < totalSteps {
            var context = TrainingContext(step: step, generators: generators, dataOrder: dataOrder, communicator: communicator)
            model.zeroGrad()
            let loss = try computeLoss(&context)
            precondition(loss.count == 1, "the training step must return a scalar loss, got shape \(loss.shape)")
            var value = loss.item
            var stopAgreed = false
            if let averaging {
                // The global batch's loss and gradient: each rank's, weighted by its share.
                let weight = context.lossShare.map { $0 * Float(ranks) } ?? 1
                loss.backward(gradient: Tensor(shape: loss.shape, repeating: weight))
                let wantsStop = stopRequested || (handlesInterrupt && InterruptSignal.isRequested)
                let averaged = try averaging.average(over: communicator, scalars: [value * weight, wantsStop ? 1 : 0])
                value = averaged[0]
                stopAgreed = averaged[1] > 0
                guard value.isFinite else { throw nonFinite(loss: value, gradientNorm: nil) }
            } else {
                guard value.isFinite else { throw nonFinite(loss: value, gradientNorm: nil) }
                loss.backward()
            }
            let norm = clipGradNorm(model, maxNorm: maxGradientNorm ?? .infinity)  // ∞: only measures
            guard norm.isFinite else { throw nonFinite(loss: value, gradientNorm: norm) }

            let lr = learningRate?(step) ?? optimizer.learningRate
            optimizer.learningRate = lr
            optimizer.update(model: model)
            if ranks > 1 { try broadcastBuffers() }
            ema?.update(model)
            generators = context.generators
            dataOrder = context.dataOrder
            step += 1
            lastLoss = value
            rate.stepFinished()

            let stopping = ranks > 1 ? stopAgreed : stopRequested || (handlesInterrupt && InterruptSignal.isRequested)
            let saving = checkpointURL != nil && (step % checkpointEvery == 0 || step == totalSteps || stopping)
            if saving && ranks > 1 { try checkRanksAgree() }
            // Reported before the checkpoint is written, so what the report logs (a loss row,
            // the model file) is on disk whenever the checkpoint is, even after a SIGKILL.
            if communicator.isRoot {
                progress?(TrainingProgress(
                    step: step, totalSteps: totalSteps, loss: value, smoothedLoss: smoother.add(value),
                    learningRate: lr, gradientNorm: norm, stepsPerSecond: rate.stepsPerSecond,
                    secondsRemaining: rate.secondsRemaining(totalSteps - step), checkpointSaved: saving))
                if saving { try saveCheckpoint() }
            }
            if stopping { return TrainingResult(step: step, interrupted: true, lastLoss: lastLoss) }
        }
        return TrainingResult(step: step, interrupted: false, lastLoss: lastLoss)
    }

    /// Buffers that a forward pass updates (BatchNorm's running statistics) follow each
    /// rank's own part of the batch; rank 0's are kept on all, as PyTorch's DDP does.
    private func broadcastBuffers() throws {
        let buffers = model.namedBuffers().map(\.1)
        guard !buffers.isEmpty else { return }
        var packed = buffers.flatMap(\.values)  // one message
        try packed.withUnsafeMutableBytes { try communicator.broadcast($0, from: 0) }
        var offset = 0
        for buffer in buffers {
            packed.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress! + offset, count: buffer.count) }
            offset += buffer.count
        }
    }

    /// Throws on every rank unless all hold rank 0's weights and training state.
    private func checkRanksAgree() throws {
        try RankAgreement.check(RankAgreement.fingerprint(model: model, state: trainingState()), over: communicator, step: step)
    }

    private func nonFinite(loss: Float, gradientNorm: Float?) -> NonFiniteTrainingError {
        model.zeroGrad()
        return NonFiniteTrainingError(
            step: step, loss: loss, gradientNorm: gradientNorm,
            lastCheckpoint: lastCheckpointStep == nil ? nil : checkpointURL, lastCheckpointStep: lastCheckpointStep,
            inputs: inputs)
    }

    // MARK: - Checkpoints

    private enum Key {
        static let step = "step"
        static let optimizer = "optimizer"
        static let ema = "ema"
        static let dataOrder = "data_order"
        static let generatorPrefix = "generator."
        static let dropoutPrefix = "dropout."
    }

    /// Everything besides the weights that the rest of the run depends on.
    public func trainingState() -> TrainingState {
        var state = TrainingState()
        state.integers[Key.step] = [Int64(step)]
        state.setTensors(optimizer.stateTensors(), prefix: Key.optimizer)
        if let ema { state.setTensors(ema.stateTensors(), prefix: Key.ema) }
        if let dataOrder { state.integers[Key.dataOrder] = dataOrder.stateWords }
        for (name, generator) in generators { state.setGenerator(generator, forKey: Key.generatorPrefix + name) }
        for (path, dropout) in dropoutLayers(of: model) { state.setGenerator(dropout.generator, forKey: Key.dropoutPrefix + path) }
        return state
    }

    /// Writes the model, its config and the training state (atomically) to `url`, by
    /// default `checkpointURL`; on rank 0 only (the others hold the same).
    public func saveCheckpoint(to url: URL? = nil) throws {
        guard let url = url ?? checkpointURL, communicator.isRoot else { return }
        try Checkpoint.save(module: model, config: config, trainingState: trainingState(), to: url)
        if url == checkpointURL { lastCheckpointStep = step }
    }

    /// Restores everything `saveCheckpoint` wrote. Checks the whole file first: on any
    /// error (missing or misshapen key, a generator this loop lacks) the loop and model are
    /// left as they were.
    public func resume(from url: URL) throws {
        let before = model.namedState().map { ($0.0, $0.1.copy()) }
        let state = try Checkpoint.load(into: model, from: url)
        do {
            try restore(state)
        } catch {
            try? model.update(parameters: Dictionary(before, uniquingKeysWith: { a, _ in a }), verify: .none)
            throw CheckpointError(file: url, reason: "\(error)")
        }
        if url == checkpointURL { lastCheckpointStep = step }
    }

    private func restore(_ state: TrainingState) throws {
        guard let words = state.integers[Key.step], words.count == 1, words[0] >= 0 else {
            throw TrainingStateError(key: Key.step, reason: "missing, or not one non-negative integer")
        }
        var restoredGenerators: [String: RandomGenerator] = [:]
        for name in generators.keys {
            guard let generator = try state.generator(forKey: Key.generatorPrefix + name) else {
                throw TrainingStateError(key: Key.generatorPrefix + name, reason: "this loop's generator is not in the checkpoint")
            }
            restoredGenerators[name] = generator
        }
        var restoredDropouts: [(Dropout, RandomGenerator)] = []
        for (path, dropout) in dropoutLayers(of: model) {
            guard let generator = try state.generator(forKey: Key.dropoutPrefix + path) else {
                throw TrainingStateError(key: Key.dropoutPrefix + path, reason: "the model's dropout generator is not in the checkpoint")
            }
            restoredDropouts.append((dropout, generator))
        }
        let restoredOrder = try state.integers[Key.dataOrder].map { try DataOrder(stateWords: $0) }
        if (restoredOrder == nil) != (dataOrder == nil) {
            throw TrainingStateError(key: Key.dataOrder, reason: dataOrder == nil ? "the checkpoint has a data order, this loop none" : "missing")
        }
        let emaState = state.tensors(prefix: Key.ema)
        if let ema, !emaState.isEmpty {
            try EMA(decay: ema.decay).loadState(emaState, for: model)  // validate before changing anything
        }
        try optimizer.loadState(state.tensors(prefix: Key.optimizer), for: model)

        // Everything checked: commit.
        if let ema, !emaState.isEmpty { try ema.loadState(emaState, for: model) }
        step = Int(words[0])
        generators = restoredGenerators
        dataOrder = restoredOrder
        for (dropout, generator) in restoredDropouts { dropout.generator = generator }
    }
}

/// Every `Dropout` in the tree with its module path ("encoders.0.dropout").
private func dropoutLayers(of module: Module, prefix: String = "") -> [(String, Dropout)] {
    var found: [(String, Dropout)] = []
    for (key, child) in module.children() {
        let path = prefix + key
        if let dropout = child as? Dropout { found.append((path, dropout)) }
        found += dropoutLayers(of: child, prefix: path + ".")
    }
    return found
}
