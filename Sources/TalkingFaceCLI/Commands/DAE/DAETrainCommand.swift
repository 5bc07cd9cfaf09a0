import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import TalkingFace
import Disentanglement

struct DAETrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a diffusion autoencoder on speaker data sets (their training splits).",
        discussion: """
        Encoder and UNet train end to end on DiffAE's ε loss: AdamW (weight decay 0), linear \
        warm-up then a constant learning rate, gradient clip 1, an EMA of the weights. The last \
        10 % of each recording (after a 1 s gap) is held out for evaluation and never trained on. \
        Frames are decoded once into memory when they fit --cache-mb.

        The run folder gets options.json, checkpoint.h5 (everything for an exact resume), \
        dae.h5 (the EMA weights: the model for encode/decode/reconstruct) and loss.csv. Both \
        .h5 files are written every --checkpoint-every steps, at the end and on Ctrl-C or \
        SIGTERM (exit status 130 or 143; a second one quits at once). A NaN/Inf loss stops the run, leaving the last good files. \
        --resume continues a run with its own settings; only --steps and --checkpoint-every may change.

        Data-parallel under MPI: `mpirun -np N talkingface dae train …` trains on N processes (on \
        one machine or over a hostfile's), each on --batch / N of every step's frames; the gradients \
        are averaged, so the steps are those of one process with the same --batch. --batch stays the \
        global batch (a multiple of N) and --lr is not scaled: for N times the frames per step give \
        --batch N×B and, by the linear scaling rule, --lr N×LR. Rank 0 logs and writes the run \
        folder; --resume works with any N. The data and the run folder must be at the same path on \
        every machine. Each rank uses the machine's cores shared among its ranks \
        (TALKINGFACE_THREADS sets the threads per rank).

        --recipe FILE.json holds everything else, with snake_case keys; a field left \
        out keeps its default, and the flags below may appear in it too (a flag wins). \
        A run's options.json has the same form. The fields:
          ema               EMA decay of dae.h5's weights (0.999)
          warmup            warm-up steps (a tenth of the steps, at most 200)
          flip              mirror frames at random (false: it contradicts poses)
          held_out          share of each recording held out at its end (0.1)
          prediction        "epsilon" (DiffAE's) or "v": what a new UNet predicts
          semantic_gain     with --initial: first widen z_sem's spread by this
          high_noise_share  share of timesteps from the noisier half (0)
          p2_gamma          weight each image's loss by 1/(1 + SNR)^γ (none)
          motion_weight     weight pixels by 1 + W · their motion (none)
          encoder_lr_scale  the semantic encoder learns at this × lr (1)
          semantic_lr_scale its output layer learns at this × lr (1; after a
                            semantic gain G, G keeps its steps in proportion)
          split             {"id": I, "pose": P, "expression": E}: z_sem as
                            [z_id | z_pose | z_exp] (two or more data sets)
          split_weights     the split's pressures by name (see below)
          split_erasure     erase pose and speaker from z_exp (needs pose.csv)
          data, preset, steps, batch, lr, seed, checkpoint_every, initial: as flags
        The split_weights: \(LatentSplitWeights.fieldNames.joined(separator: ", ")).

        Examples:
          talkingface dae train --data data/synth/speaker_00 --out runs/dae
          talkingface dae train --data data/a --data data/b --out runs/ab \\
            --steps 10000 --batch 8 --lr 1e-4 --checkpoint-every 250
          talkingface dae train --out runs/dae --resume --steps 7200
          echo '{"prediction": "v", "motion_weight": 50}' > vmotion.json
          talkingface dae train --data data/synth/speaker_00 --out runs/dae_v \\
            --recipe vmotion.json --steps 5000 --seed 16
          talkingface dae train --data data/a --data data/b --out runs/split \\
            --recipe split.json
        with split.json: {"split": {"id": 64, "pose": 32, "expression": 416}, \
        "split_weights": {"pose_readout": 10}, "split_erasure": true}
        """)

    @Option(help: "A speaker data set folder (repeat for several).") var data: [String] = []
    @Option(help: "Model preset: \(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", ")) (default cpu64).")
    var preset: String?
    @Option(help: "Run folder (created).") var out: String
    @Option(parsing: .unconditional, help: "Total optimizer steps (default \(DAETrainingOptions.defaultSteps), ≈ 2 h of cpu64 on 2 cores).")
    var steps: Int?
    @Option(parsing: .unconditional, help: "Frames per step, over all ranks under mpirun (default 8).") var batch: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate (default 1e-4, DiffAE's).") var lr: Double?
    @Option(parsing: .unconditional, help: "Seed of the initial weights, data order, noise and flips (default 0).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Checkpoint every N steps (default 500).") var checkpointEvery: Int?
    @Option(help: "A training recipe (JSON): the research settings, and defaults for these flags (fields above).")
    var recipe: String?
    @Option(help: "Start from these weights (a dae.h5 of the same preset) instead of random ones.") var initial: String?
    @Option(parsing: .unconditional, help: "Decode all frames into memory when they take at most this many MB (default 4096).")
    var cacheMb: Int = 4096
    @Flag(help: "Continue the run in --out from its checkpoint.") var resume = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !resume && data.isEmpty && recipe == nil {
            throw ValidationError("give at least one --data folder (a speaker data set; see `talkingface synth`)")
        }
        try OptionRange.check("--steps", steps, atLeast: 1)
        try OptionRange.check("--batch", batch, atLeast: 1)
        try OptionRange.check("--lr", lr, .above(0))
        try OptionRange.check("--checkpoint-every", checkpointEvery, atLeast: 1)
        try OptionRange.check("--cache-mb", cacheMb, atLeast: 0, atMost: 1 << 20)  // 1 TB: more than any machine here, and no overflow in bytes
        if resume && initial != nil { throw ValidationError("--resume continues the run's own weights; --initial only starts a new run") }
    }

    func run() throws {
        let options = try resume ? resumedOptions(URL(fileURLWithPath: out)) : newOptions()
        // Rank 0 owns the run folder; the other ranks only read it (a resume) and train.
        guard Ranks.communicator.isRoot else { return try train(options) }
        let target = try output.target(out, kind: .trainingRun(markers: ["options.json"], worthKeeping: ["checkpoint.h5"]),
                                       inputs: [options.initialWeights, recipe] + options.data.map(Optional.some))
        try target.writeInPlace { try train(options) }
    }

    private func train(_ options: DAETrainingOptions) throws {
        let logger = Logger(label: "talkingface.dae.train")
        let runFolder = URL(fileURLWithPath: out)
        let ranks = Ranks.communicator

        let loading = ranks.isRoot ? ProgressBar("loading frames") : nil
        let trainer = try DAETrainer(options: options, run: runFolder, resume: resume, memoryBudget: cacheMb << 20,
                                     communicator: ranks) {
            loading?.update($0, of: $1)
        }
        let frames = trainer.frames
        let (unet, encoder) = trainer.model.parameterCounts
        logger.info("\(frames.count) training frames from \(frames.spans.count) data set(s), \(frames.isCached ? "cached in memory (\(frames.cacheBytes >> 20) MB)" : "read from disk each step")")
        logger.info("DiffAE \(options.preset.rawValue): \(unet) UNet + \(encoder) encoder parameters; batch \(options.batchSize), lr \(options.learningRate), EMA \(options.emaDecay), warm-up \(options.warmupSteps)")
        if ranks.size > 1 { logger.info("data-parallel over \(ranks.size) ranks: \(options.batchSize / ranks.size) frames each per step") }
        if resume { logger.info("resuming \(runFolder.path) at step \(trainer.loop.step) of \(options.steps)") }

        let line = TrainingProgressLine(label: "dae")
        let result: TrainingResult
        do {
            result = try trainer.train { report in
                line.update(report)
                if report.checkpointSaved && report.step < report.totalSteps {
                    line.note("checkpoint at step \(report.step) → \(trainer.checkpointURL.path), \(trainer.modelURL.path)")
                    if trainer.splitLoss != nil {
                        line.note("split terms: " + trainer.lastSplitTerms.sorted { $0.key < $1.key }
                            .map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", "))
                    }
                }
            }
        } catch {
            line.finish()  // then ArgumentParser prints the error (a NaN names the last good checkpoint)
            throw error
        }
        line.finish()
        if result.interrupted {
            logger.info("stopped at step \(result.step); continue with: talkingface dae train --out \(out) --resume")
            throw ExitCode.interrupted
        } else {
            logger.info("done: \(result.step) steps, last loss \(result.lastLoss.map { String(format: "%.4f", $0) } ?? "-"); model \(trainer.modelURL.path)")
        }
    }

    /// The recipe's settings with the flags given over them, and who set each field: a flag
    /// ("--lr") or the recipe ("runs/x.json: lr").
    private func givenSettings() throws -> (options: DAETrainingOptions, setBy: [String: String]) {
        var options = DAETrainingOptions(data: [])
        var setBy: [String: String] = [:]
        if let recipe {
            let (value, fields) = try RecipeFile.read(DAETrainingOptions.self, from: recipe)
            options = value
            for field in fields { setBy[field] = "\(recipe): \(field)" }
        }
        let recipeWarmup = setBy["warmup"] != nil
        func flag<T>(_ value: T?, _ field: String, _ apply: (inout DAETrainingOptions, T) -> Void) {
            guard let value else { return }
            apply(&options, value)
            setBy[field] = "--" + field.replacingOccurrences(of: "_", with: "-")
        }
        flag(data.isEmpty ? nil : data, "data") { $0.data = $1 }
        flag(try preset.map(DAEArguments.preset), "preset") { $0.preset = $1 }
        flag(steps, "steps") { $0.steps = $1 }
        flag(batch, "batch") { $0.batchSize = $1 }
        flag(lr, "lr") { $0.learningRate = $1 }
        flag(seed, "seed") { $0.seed = $1 }
        flag(checkpointEvery, "checkpoint_every") { $0.checkpointEvery = $1 }
        flag(initial, "initial") { $0.initialWeights = $1 }
        if !recipeWarmup { options.warmupSteps = DAETrainingOptions.defaultWarmup(steps: options.steps) }
        // Paths are read from the current folder, as on the command line.
        options.data = options.data.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        options.initialWeights = options.initialWeights.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return (options, setBy)
    }

    private func newOptions() throws -> DAETrainingOptions {
        let (options, setBy) = try givenSettings()
        if options.data.isEmpty {
            throw ValidationError("give at least one --data folder (a speaker data set; see `talkingface synth`), or data in the recipe")
        }
        do { try options.validate() } catch let error as RecipeError {
            // Name the recipe when the field at fault came from it, else the flag.
            let field = String(error.field.prefix { $0 != "." && $0 != "[" })
            if let recipe, setBy[field]?.hasPrefix("--") != true { throw error.inFile(recipe) }
            throw ValidationError("\(setBy[field] ?? field): \(error.why)")
        }
        return options
    }

    /// The run's own options (options.json); a setting given again, by a flag or the recipe,
    /// must agree with them. Only steps and checkpoint_every may change.
    private func resumedOptions(_ runFolder: URL) throws -> DAETrainingOptions {
        let (given, setBy) = try givenSettings()
        let options = try DAETrainer.resumeOptions(run: runFolder, steps: setBy["steps"] != nil ? given.steps : nil,
                                                   checkpointEvery: setBy["checkpoint_every"] != nil ? given.checkpointEvery : nil)
        let givenFields = try Self.fieldTexts(given), savedFields = try Self.fieldTexts(options)
        let conflicts = setBy.keys.sorted().filter { !["steps", "checkpoint_every"].contains($0) }.compactMap { field -> String? in
            let (mine, theirs) = (givenFields[field] ?? "null", savedFields[field] ?? "null")
            return mine == theirs ? nil : "\(setBy[field]!) \(mine) (the run has \(theirs))"
        }
        guard conflicts.isEmpty else {
            throw ValidationError("--resume continues \(runFolder.path) with its own settings (options.json); only --steps and --checkpoint-every may change, but got: \(conflicts.joined(separator: ", "))")
        }
        return options
    }

    /// Each field's JSON text, to compare settings field by field.
    private static func fieldTexts(_ options: DAETrainingOptions) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let object = try JSONSerialization.jsonObject(with: encoder.encode(options)) as? [String: Any] ?? [:]
        return try object.mapValues { value in
            let text = try JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: text.dropFirst().dropLast(), as: UTF8.self)
        }
    }
}
