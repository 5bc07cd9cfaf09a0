import Autodiff
import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import Datasets

/// Progressive distillation (Salimans & Ho 2022) of a speaker bundle's decoder for its one
/// shared x_T. Every frame starts from that x_T, so the decoder is a deterministic map
/// z_sem → frame, and only the trajectories from it are learnt. Round r trains a student
/// that takes one DDIM move where its teacher took two, from the points of the teacher's
/// own trajectory, matching the teacher's landing in closed form
/// (`GaussianDiffusion.distillationTarget`); the first teacher is the DAE's DDIM over
/// `teacherSteps` timesteps spread evenly from x_T's to 0, each later one the last round's
/// student, down to one step. In a run folder:
///
///     RUN/distill.json        the settings (`DistillationOptions`), fixed for the run's life
///     RUN/examples.h5         z_sem of the training examples (frames encoded, then predicted from speech)
///     RUN/round_R/targets.h5  the round's inputs (the teacher's trajectory points) and targets
///     RUN/round_R/checkpoint.h5, loss.csv   the round's training (exact resume, as every trainer)
///     RUN/round_R/student.h5  the round's student (EMA weights), written when the round is done
///
/// Only the data set's training part is read (the held-out end stays out, as in every
/// trainer). Ctrl-C or SIGTERM checkpoints the round in progress; a resumed run is
/// bit-identical to one that never stopped.
public final class Distiller {
    public let options: DistillationOptions
    public let run: URL
    public let speaker: Speaker
    public let dataset: SpeakerDataset
    /// x_T's timestep: the first the bundle's default decode visits.
    public let startTimestep: Int
    /// The ranks of a data-parallel run (one process by default): rank 0 makes the examples
    /// and targets and writes every file, the others read them; each rank trains on its part
    /// of every global batch.
    public let communicator: Communicator

    public var optionsURL: URL { run.appendingPathComponent("distill.json") }
    public var examplesURL: URL { run.appendingPathComponent("examples.h5") }
    public func roundFolder(_ round: Int) -> URL { run.appendingPathComponent("round_\(round)") }
    public func studentURL(round: Int) -> URL { roundFolder(round).appendingPathComponent(DistilledStudent.file) }

    /// What the run reports as it goes.
    public enum Event {
        case examples(String)
        case targets(round: Int, done: Int, total: Int)
        case started(round: Int, String)
        case training(round: Int, TrainingProgress)
        case finished(round: Int, String)
    }

    /// Checks the bundle, the data and the options; with `resume`, the run folder must hold
    /// a run started with the same options (only `steps` and `checkpointEvery` may change).
    public init(options: DistillationOptions, run: URL, resume: Bool = false, communicator: Communicator = SingleProcess()) throws {
        try options.validate()
        try communicator.checkDivides(batch: options.batchSize)
        self.communicator = communicator
        self.run = run
        let fm = FileManager.default
        let stored = run.appendingPathComponent("distill.json")
        if resume {
            guard fm.fileExists(atPath: stored.path) else {
                throw DAEWorkflowError.missingFile(stored, "nothing to resume: the run folder holds no distillation")
            }
            var comparable = try DistillationOptions.read(stored)
            comparable.steps = options.steps
            comparable.checkpointEvery = options.checkpointEvery
            guard comparable == options else {
                throw DAEWorkflowError.mismatch("\(run.path) holds a distillation started with other options (distill.json); resume it with the same ones (only the steps and checkpoint_every may change)")
            }
        } else if communicator.isRoot && fm.fileExists(atPath: stored.path) {  // the others may see rank 0's
            throw DAEWorkflowError.runExists(run, "already holds a distillation (distill.json); pass --resume to continue it, or choose another run folder")
        }
        self.options = options
        speaker = try Speaker(bundle: URL(fileURLWithPath: options.speaker))
        dataset = try SpeakerDataset(at: URL(fileURLWithPath: options.data))
        let side = try TrainingFrames.faceSide(of: dataset)
        guard side >= speaker.meta.imageSize else {
            throw DatasetError.mismatch("\(dataset.root.path): its frames are \(side)×\(side) pixels, smaller than the speaker's \(speaker.meta.imageSize)×\(speaker.meta.imageSize)")
        }
        if options.predictedLatents && !dataset.hasAudio {
            throw DAEWorkflowError.missingFile(dataset.audioURL, "the predicted latents need the data set's speech; or set \"predicted_latents\": false in the recipe")
        }
        startTimestep = speaker.dae.diffusion.samplingTimesteps(speaker.meta.defaultSteps).last!
        let frames = trainingFrames.count
        guard frames > 0 else {
            throw DatasetError.mismatch("\(dataset.root.path): no training frames (its \(dataset.frameCount) frames are all held out)")
        }
        guard options.batchSize <= frames else {
            throw DAEWorkflowError.invalidOption("--batch \(options.batchSize) is more than the \(frames) training frames \(dataset.root.path) gives at frame_stride \(options.frameStride)")
        }
    }

    /// The training frames that give examples: every `frameStride`-th of the training part.
    public var trainingFrames: [Int] {
        let train = dataset.split(heldOutFraction: options.heldOutFraction, gapSeconds: options.gapSeconds).train
        return Array(Swift.stride(from: train.lowerBound, to: train.upperBound, by: options.frameStride))
    }

    /// `count` timesteps spread evenly from x_T's to 0, descending (4 from 950: 950, 713, 475, 238);
    /// halving `count` keeps every other one, so each round's grid is inside its teacher's.
    public static func timesteps(count: Int, start: Int) -> [Int] {
        (0..<count).map { k in Int((Double(start) * Double(count - k) / Double(count)).rounded()) }
    }

    public func timesteps(count: Int) -> [Int] { Self.timesteps(count: count, start: startTimestep) }

    // MARK: - Running

    /// Runs the rounds that are not done yet. Returns the one-step student, or nil when a
    /// signal stopped the run (after a checkpoint).
    public func distil(report: @escaping (Event) -> Void = { _ in }) throws -> DistilledStudent? {
        if communicator.isRoot {
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try options.write(to: optionsURL)
        }
        let zSem = try madeByRoot { try examples(report) }
        var teacher = speaker.dae
        var teacherTimes = timesteps(count: options.teacherSteps)
        for round in 1...options.rounds {
            guard let student = try distil(round: round, teacher: teacher, teacherTimes: teacherTimes, zSem: zSem, report: report) else {
                return nil
            }
            teacher = student
            teacherTimes = timesteps(count: options.studentSteps(round: round))
        }
        return DistilledStudent(model: teacher, timesteps: teacherTimes)
    }

    /// z_sem (N, Z) of the examples: the training frames' own (the DAE's encoder), then, with
    /// `predictedLatents`, the speech model's for the same frames from the training part's
    /// speech alone. Made once per run (RUN/examples.h5).
    public func examples(_ report: (Event) -> Void = { _ in }) throws -> Tensor {
        if let stored = try? TensorFile.read(examplesURL).tensors["z_sem"] { return stored }
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let frames = trainingFrames
        let size = speaker.meta.imageSize
        var encoded: [Tensor] = []
        for start in Swift.stride(from: 0, to: frames.count, by: 64) {
            encoded.append(speaker.dae.encode(try dataset.frames(frames[start..<Swift.min(frames.count, start + 64)], size: size)))
        }
        var all = encoded
        var note = "\(frames.count) training frames (every \(options.frameStride)th of \(frames.first!)…\(frames.last!)) encoded"
        if options.predictedLatents {
            let end = frames.last! + 1
            let clip = try dataset.audio(sampleRate: 16000)
            let samples = Swift.min(clip.samples.count, Int((Double(end) / dataset.meta.fps * 16000).rounded(.up)))
            let features = try speaker.featureExtractor(audioEncoder: nil)(samples: Array(clip.samples[0..<samples]))
            let predicted = try speaker.s2l.predict(features: features).latents  // (T, Z), T ≈ end
            let rows = frames.filter { $0 < predicted.size(0) }
            all.append(gatherRows(predicted, rows))
            note += "; \(rows.count) predicted from the speech of frames 0…\(end - 1)"
        }
        let zSem = concat(all, dim: 0)
        try TensorFile.write(["z_sem": zSem], attributes: ["frames": frames.map(String.init).joined(separator: ",")], to: examplesURL)
        report(.examples(note))
        return zSem
    }

    /// One round: the targets, then the student's training. Returns the student (EMA
    /// weights), or nil when stopped.
    private func distil(round: Int, teacher: DiffAE, teacherTimes: [Int], zSem: Tensor,
                        report: @escaping (Event) -> Void) throws -> DiffAE? {
        let folder = roundFolder(round)
        let finished = studentURL(round: round)
        if FileManager.default.fileExists(atPath: finished.path) {
            report(.finished(round: round, "already done (\(finished.path))"))
            return try DiffAE.load(checkpoint: finished)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (inputs, targets) = try madeByRoot {
            try self.targets(round: round, teacher: teacher, teacherTimes: teacherTimes, zSem: zSem, report: report)
        }
        let studentTimes = timesteps(count: teacherTimes.count / 2)
        let stepsPerExample = studentTimes.count

        var config = teacher.config
        config.dropout = 0  // the targets are exact: nothing to regularise against
        let student = DiffAE(config: config)
        try student.update(parameters: Dictionary(uniqueKeysWithValues: teacher.namedState()), verify: .all)
        let checkpoint = folder.appendingPathComponent("checkpoint.h5")
        let schedule = WarmupCosineSchedule(peak: options.learningRate, warmupSteps: Swift.min(options.warmupSteps, options.steps),
                                            totalSteps: options.steps, minimumRatio: 0.1)
        let loop = TrainingLoop(
            model: student, optimizer: AdamW(learningRate: options.learningRate, weightDecay: 0), ema: EMA(decay: options.emaDecay),
            learningRate: { schedule($0) }, maxGradientNorm: options.gradientClip, totalSteps: options.steps,
            checkpoint: checkpoint, checkpointEvery: options.checkpointEvery, config: config,
            dataOrder: DataOrder(count: inputs.size(0), seed: options.seed &+ UInt64(round)))
        loop.inputs = [options.speaker, options.data]
        loop.communicator = communicator
        if FileManager.default.fileExists(atPath: checkpoint.path) { try loop.resume(from: checkpoint) }
        report(.started(round: round, "round \(round): \(teacherTimes.count) → \(stepsPerExample) step\(stepsPerExample == 1 ? "" : "s") (timesteps \(studentTimes.map(String.init).joined(separator: ", "))), "
                        + "\(zSem.size(0)) examples, step \(loop.step) → \(options.steps)"))
        let log = communicator.isRoot ? try LossLog(url: folder.appendingPathComponent("loss.csv"), keepingStepsUpTo: loop.step) : nil
        loop.progress = { progress in
            log?.append(progress)
            report(.training(round: round, progress))
        }
        defer { loop.progress = nil }
        let ab = student.diffusion.alphasCumprod
        let batchSize = options.batchSize
        let result = try loop.run { context in
            let global = context.dataOrder!.next(batchSize)
            // Salimans & Ho's truncated-SNR weight, max(ᾱ/(1 − ᾱ), 1), on the x̂0 error.
            let globalWeights = global.map { Float(Swift.max(ab[studentTimes[$0 % stepsPerExample]] / (1 - ab[studentTimes[$0 % stepsPerExample]]), 1)) }
            let mine = context.communicator.shard(of: global.count)
            let items = Array(global[mine])
            if context.communicator.size > 1 {  // a weighted mean: this rank's part of the weights
                context.lossShare = globalWeights[mine].reduce(0, +) / globalWeights.reduce(0, +)
            }
            let times = items.map { studentTimes[$0 % stepsPerExample] }
            let (x, target) = withoutGradients { (gatherRows(inputs, items), gatherRows(targets, items)) }
            let z = withoutGradients { gatherRows(zSem, items.map { $0 / stepsPerExample }) }
            let weights = Tensor(shape: [items.count, 1, 1, 1], values: Array(globalWeights[mine]))
            return mseLoss(student.predictX0(x, timesteps: times, zSem: z), target, mask: weights)
        }
        if result.interrupted { return nil }
        guard communicator.isRoot else {  // the same EMA weights, without the file rank 0 writes
            let averaged = DiffAE(config: config)
            try loop.ema!.withAveragedWeights(in: student) {
                try averaged.update(parameters: Dictionary(uniqueKeysWithValues: student.namedState()), verify: .all)
            }
            return averaged
        }
        try loop.ema!.withAveragedWeights(in: student) { try student.save(to: finished) }
        report(.finished(round: round, "round \(round) done: \(result.step) steps, last loss \(result.lastLoss.map { String(format: "%.5f", $0) } ?? "-") → \(finished.path)"))
        return try DiffAE.load(checkpoint: finished)  // the EMA weights, as a resumed run reads them
    }

    /// `make` on rank 0, then on the other ranks once rank 0 is done: what it makes is a file
    /// the others then read instead of making it again.
    private func madeByRoot<T>(_ make: () throws -> T) throws -> T {
        if communicator.isRoot {
            let made = try make()
            try communicator.barrier()
            return made
        }
        try communicator.barrier()
        return try make()
    }

    /// The round's training pairs, (N·S, 3, H, W) each for S student steps per example (example
    /// n's step j at row n·S + j): the point of the teacher's trajectory the student's move starts
    /// from, and the x̂0 that lands it where the teacher's next two moves do. Made once per
    /// round (RUN/round_R/targets.h5).
    func targets(round: Int, teacher: DiffAE, teacherTimes: [Int], zSem: Tensor,
                 report: (Event) -> Void) throws -> (inputs: Tensor, targets: Tensor) {
        let url = roundFolder(round).appendingPathComponent("targets.h5")
        if let stored = try? TensorFile.read(url).tensors, let inputs = stored["inputs"], let targets = stored["targets"] {
            return (inputs, targets)
        }
        let n = zSem.size(0), studentSteps = teacherTimes.count / 2
        let xT = speaker.reference.xT
        var inputs: [Tensor] = [], targets: [Tensor] = []
        report(.targets(round: round, done: 0, total: n))
        for start in Swift.stride(from: 0, to: n, by: 16) {
            try InterruptSignal.throwIfRequested()
            let rows = start..<Swift.min(n, start + 16)
            let trajectory = Self.trajectory(of: teacher, from: xT, zSem: zSem.slice(dim: 0, rows), timesteps: teacherTimes)
            let (x, x0) = Self.pairs(trajectory, timesteps: teacherTimes, diffusion: teacher.diffusion)
            // rows: example-major, S steps each
            let b = rows.count
            inputs.append(Self.interleave(x, examples: b, steps: studentSteps))
            targets.append(Self.interleave(x0, examples: b, steps: studentSteps))
            report(.targets(round: round, done: rows.upperBound, total: n))
        }
        let result = (concat(inputs, dim: 0), concat(targets, dim: 0))
        try TensorFile.write(["inputs": result.0, "targets": result.1],
                             attributes: ["teacher_timesteps": teacherTimes.map(String.init).joined(separator: ",")], to: url)
        return result
    }

    /// The teacher's DDIM trajectory (clipping x̂0, as decoding does) from the shared x_T for
    /// z_sem (B, Z): the B×(3, H, W) points at each of `timesteps` and the clean end, in order.
    public static func trajectory(of teacher: DiffAE, from xT: Tensor, zSem: Tensor, timesteps: [Int]) -> [Tensor] {
        var start = NoiseSource(.reference, reference: xT)
        return teacher.ddimTrajectory(zSem, noise: start.next(zSem.size(0)), timesteps: timesteps)
    }

    /// For a trajectory over 2S teacher timesteps: the S student moves' start points and
    /// closed-form x̂0 targets, each a (B, 3, H, W) per move.
    static func pairs(_ trajectory: [Tensor], timesteps: [Int], diffusion: GaussianDiffusion) -> (x: [Tensor], x0: [Tensor]) {
        let ab = diffusion.alphasCumprod
        var x: [Tensor] = [], x0: [Tensor] = []
        for j in 0..<(timesteps.count / 2) {
            let landing = 2 * j + 2
            let landingAlphaBar = landing < timesteps.count ? ab[timesteps[landing]] : 1
            x.append(trajectory[2 * j])
            x0.append(diffusion.distillationTarget(from: trajectory[2 * j], alphaBar: ab[timesteps[2 * j]],
                                                   landing: trajectory[landing], landingAlphaBar: landingAlphaBar))
        }
        return (x, x0)
    }

    /// S tensors (B, …) → (B·S, …) with example b's step j at row b·S + j.
    static func interleave(_ parts: [Tensor], examples b: Int, steps: Int) -> Tensor {
        let plane = parts[0].count / b
        let out = Tensor(uninitializedShape: [b * steps] + Array(parts[0].shape.dropFirst()))
        for i in 0..<b {
            for (j, part) in parts.enumerated() {
                (out.pointer + (i * steps + j) * plane).update(from: part.pointer + i * plane, count: plane)
            }
        }
        return out
    }

    // MARK: - The bundle

    /// The distilled bundle at `folder` (created; it must not exist): the input bundle's files
    /// as they are, the student, and meta.json with its `student` entry. Checked by loading it.
    public func writeBundle(_ student: DistilledStudent, to folder: URL, precision: TensorFile.Precision = .float16) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: false)
        let source = URL(fileURLWithPath: options.speaker)
        for file in [Speaker.daeFile, Speaker.s2lFile, Speaker.referenceFile] {
            try fm.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        try student.model.save(to: folder.appendingPathComponent(DistilledStudent.file), precision: precision)
        var meta = speaker.meta
        meta.student = StudentMeta(timesteps: student.timesteps, madeBy: [
            "teacher": "DDIM, \(options.teacherSteps) steps over timesteps \(timesteps(count: options.teacherSteps).map(String.init).joined(separator: ", "))",
            "rounds": "\(options.rounds) of \(options.steps) steps, batch \(options.batchSize), lr \(options.learningRate), seed \(options.seed)",
            "data": "\(URL(fileURLWithPath: options.data).lastPathComponent): every \(options.frameStride)th training frame\(options.predictedLatents ? ", encoded and predicted from its speech" : "")",
        ])
        try meta.write(to: folder.appendingPathComponent(Speaker.metaFile))
        _ = try Speaker(bundle: folder)
    }
}
