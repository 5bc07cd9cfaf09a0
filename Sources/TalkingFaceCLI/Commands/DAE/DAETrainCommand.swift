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

        Examples:
          talkingface dae train --data data/synth/speaker_00 --out runs/dae --preset cpu64
          talkingface dae train --data data/a --data data/b --out runs/ab \\
            --steps 10000 --batch 8 --lr 1e-4 --ema 0.999 --checkpoint-every 250
          talkingface dae train --out runs/dae --resume --steps 7200
          talkingface dae train --data data/synth/speaker_00 --out runs/dae_m \\
            --initial runs/dae/dae.h5 --prediction v --motion-weight 50
        """)

    @Option(help: "A speaker data set folder (repeat for several).") var data: [String] = []
    @Option(help: "Model preset: \(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", ")) (default cpu64).")
    var preset: String?
    @Option(help: "Run folder (created).") var out: String
    @Option(help: "Total optimizer steps (default 3600, ≈ 2 h of cpu64 on 2 cores).") var steps: Int?
    @Option(help: "Frames per step (default 8).") var batch: Int?
    @Option(help: "Peak learning rate (default 1e-4, DiffAE's).") var lr: Double?
    @Option(help: "EMA decay of the saved weights (default 0.999: DiffAE's 0.9999 averages over 10,000 steps, longer than a CPU run).")
    var ema: Float?
    @Option(help: "Warm-up steps (default: a tenth of --steps, at most 200).") var warmup: Int?
    @Option(help: "Checkpoint every N steps (default 500).") var checkpointEvery: Int?
    @Option(help: "Seed of the initial weights, data order, noise and flips (default 0).") var seed: UInt64?
    @Option(help: "Fraction of each recording held out at its end (default 0.1).") var heldOut: Double?
    @Flag(help: "Mirror frames left–right at random (off: mirroring contradicts pose labels).") var flip = false
    @Option(help: "Decode all frames into memory when they take at most this many MB (default 4096).") var cacheMb: Int = 4096
    @Flag(help: "Continue the run in --out from its checkpoint.") var resume = false
    @Option(help: "Start from these weights (a dae.h5 of the same preset) instead of random ones.") var initial: String?
    @Option(help: "With --initial: widen z_sem's spread around its mean by this factor first (see SemanticGain.swift).")
    var semanticGain: Float?
    @Option(help: "What a new model's UNet predicts: epsilon (DiffAE's) or v (velocity; draws the face from z_sem at high noise).")
    var prediction: DiffusionPrediction?
    @Option(help: "Share of training timesteps drawn from the noisier half (default 0: DiffAE's uniform draw).")
    var highNoiseShare: Double?
    @Option(help: "Weight each image's loss by 1/(1 + SNR)^γ (P2; 1 is the paper's choice; default: equal weights).")
    var p2Gamma: Double?
    @Option(help: "Weight each pixel's loss by 1 + W · min(1, its mean frame-to-frame change / the 95th percentile of those), so the mouth and eyes count more than the still background (default: equal weights). The map is written to motion_weight.png.")
    var motionWeight: Float?
    @Option(help: "The semantic encoder learns at this × --lr (default 1), e.g. 0.01 to train a UNet onto an encoder grafted from another model (experiments/graft_encoder.py).")
    var encoderLrScale: Double?
    @Option(help: "The encoder's output projection (the layer --semantic-gain scaled) learns at this × --lr (default 1); give a fine-tuning of a model trained with --semantic-gain G the same G, or it barely moves.")
    var semanticLrScale: Double?
    @Option(help: ArgumentHelp("Train z_sem as [z_id | z_pose | z_exp] with these sizes (docs/architecture.md §8): identity swap between frames of one data set, a pose head on z_pose, identity kept out of the rest. Give two or more --data folders (one per speaker).", valueName: "ID,POSE,EXP"))
    var split: String?
    @Option(help: ArgumentHelp("With --split: the weights of its pressures next to DiffAE's loss (default 1,0.1,10,0.1,0.1); three more turn on the linear adversaries and z_pose's residual, a ninth z_pose's closed-form pose readout, a tenth z_exp's readout of the expression factors (synthetic data's factors.csv), an eleventh z_id's readout of the speaker, e.g. 1,1,10,0,0,1,1,1,10 or 1,1,0,0,0,0,0,1,10,10,10.", valueName: "SWAP,IDVAR,POSE,DECOR,SHARE[,POSELEAK,SPEAKERLEAK,POSERESID[,POSEREADOUT[,EXPREADOUT[,IDREADOUT]]]]"))
    var splitWeights: String?
    @Flag(help: "With --split: erase the pose and the speaker linearly from z_exp before the UNet sees it (running moments, folded into the saved encoder: LinearErasure), so identity and pose must go through z_id and z_pose. Needs pose.csv in every --data folder.")
    var splitErasure = false

    func validate() throws {
        if !resume && data.isEmpty { throw ValidationError("give at least one --data folder (a speaker data set; see `talkingface synth`)") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
        if cacheMb < 0 { throw ValidationError("--cache-mb must not be negative") }
        if semanticGain != nil && initial == nil { throw ValidationError("--semantic-gain rescales the --initial weights; give --initial too") }
        if let split, LatentSplit(parsing: split) == nil { throw ValidationError("--split wants three sizes ID,POSE,EXP, e.g. 64,32,416; got '\(split)'") }
        if let splitWeights {
            if split == nil && !resume { throw ValidationError("--split-weights weighs the --split pressures; give --split too") }
            if LatentSplitWeights(parsing: splitWeights) == nil { throw ValidationError("--split-weights wants five, eight, nine, ten or eleven weights ≥ 0, \(LatentSplitWeights.fieldNames); got '\(splitWeights)'") }
        }
        if splitErasure && split == nil && !resume { throw ValidationError("--split-erasure is part of the --split training; give --split too") }
        if let highNoiseShare, !(0...1).contains(highNoiseShare) { throw ValidationError("--high-noise-share must be in 0…1") }
        if resume && initial != nil { throw ValidationError("--resume continues the run's own weights; --initial only starts a new run") }
    }

    func run() throws {
        let logger = Logger(label: "talkingface.dae.train")
        let runFolder = URL(fileURLWithPath: out)
        let options = try resume ? resumedOptions(runFolder) : newOptions()

        let loading = ProgressBar("loading frames")
        let trainer = try DAETrainer(options: options, run: runFolder, resume: resume, memoryBudget: cacheMb << 20) {
            loading.update($0, of: $1)
        }
        let frames = trainer.frames
        let (unet, encoder) = trainer.model.parameterCounts
        logger.info("\(frames.count) training frames from \(frames.spans.count) data set(s), \(frames.isCached ? "cached in memory (\(frames.cacheBytes >> 20) MB)" : "read from disk each step")")
        logger.info("DiffAE \(options.preset.rawValue): \(unet) UNet + \(encoder) encoder parameters; batch \(options.batchSize), lr \(options.learningRate), EMA \(options.emaDecay), warm-up \(options.warmupSteps)")
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

    private func newOptions() throws -> DAETrainingOptions {
        let totalSteps = steps ?? 3600
        var options = DAETrainingOptions(
            data: data.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            preset: try DAEArguments.preset(preset ?? "cpu64"), steps: totalSteps, warmupSteps: warmup)
        if let batch { options.batchSize = batch }
        if let lr { options.learningRate = lr }
        if let ema { options.emaDecay = ema }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        if let seed { options.seed = seed }
        if let heldOut { options.heldOutFraction = heldOut }
        options.horizontalFlip = flip
        options.initialWeights = initial.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        options.semanticGain = semanticGain
        options.highNoiseShare = highNoiseShare
        options.p2Gamma = p2Gamma
        options.prediction = prediction
        options.motionWeight = motionWeight
        options.encoderRateScale = encoderLrScale
        options.semanticRateScale = semanticLrScale
        options.latentSplit = split.flatMap(LatentSplit.init(parsing:))
        options.latentSplitWeights = splitWeights.flatMap(LatentSplitWeights.init(parsing:))
        options.latentSplitErasure = splitErasure ? true : nil
        try options.validate()
        return options
    }

    /// The run's own options; a setting given again must agree with them.
    private func resumedOptions(_ runFolder: URL) throws -> DAETrainingOptions {
        let options = try DAETrainer.resumeOptions(run: runFolder, steps: steps, checkpointEvery: checkpointEvery)
        var conflicts: [String] = []
        func check<T: Equatable>(_ flag: String, _ given: T?, _ saved: T) {
            if let given, given != saved { conflicts.append("\(flag) \(given) (the run has \(saved))") }
        }
        if !data.isEmpty { check("--data", data.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, options.data) }
        check("--preset", preset, options.preset.rawValue)
        check("--batch", batch, options.batchSize)
        check("--lr", lr, options.learningRate)
        check("--ema", ema, options.emaDecay)
        check("--warmup", warmup, options.warmupSteps)
        check("--seed", seed, options.seed)
        check("--held-out", heldOut, options.heldOutFraction)
        check("--flip", flip ? true : nil, options.horizontalFlip)
        check("--high-noise-share", highNoiseShare, options.highNoiseShare ?? 0)
        check("--p2-gamma", p2Gamma, options.p2Gamma ?? 0)
        check("--prediction", prediction, options.prediction ?? .epsilon)
        check("--motion-weight", motionWeight, options.motionWeight ?? 0)
        check("--encoder-lr-scale", encoderLrScale, options.encoderRateScale ?? 1)
        check("--semantic-lr-scale", semanticLrScale, options.semanticRateScale ?? 1)
        check("--split", split.flatMap(LatentSplit.init(parsing:)), options.latentSplit ?? LatentSplit(id: 0, pose: 0, expression: 0))
        check("--split-weights", splitWeights.flatMap(LatentSplitWeights.init(parsing:)), options.latentSplitWeights ?? LatentSplitWeights())
        check("--split-erasure", splitErasure ? true : nil, options.latentSplitErasure ?? false)
        guard conflicts.isEmpty else {
            throw ValidationError("--resume continues \(runFolder.path) with its own settings (options.json); only --steps and --checkpoint-every may change, but got: \(conflicts.joined(separator: ", "))")
        }
        return options
    }
}
