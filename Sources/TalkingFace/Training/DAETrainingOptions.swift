import DiffusionAutoencoder
import Foundation
import MediaIO
import Datasets
import Disentanglement

/// Everything that decides a diffusion-autoencoder training run; stored as `options.json`
/// in the run folder so that `--resume` continues with exactly the same settings. Its JSON
/// form is also the `dae train --recipe` file (`DAETrainingOptions+Recipe.swift`).
public struct DAETrainingOptions: Codable, Equatable, Sendable {
    /// Speaker data set folders; each contributes the training part of its split.
    public var data: [String]
    public var preset: DiffAEPreset
    /// Optimizer steps in total (a resumed run may raise it).
    public var steps: Int
    public var batchSize = 8
    /// AdamW peak learning rate (DiffAE: 1e-4).
    public var learningRate = 1e-4
    /// AdamW decoupled weight decay (DiffAE trains with 0).
    public var weightDecay = 0.0
    /// EMA decay of the weights written to dae.h5. DiffAE uses 0.9999, an averaging horizon of
    /// 1/(1 − decay) = 10,000 steps: after a 3,600-step CPU run 0.9999^3600 = 70 % of such an
    /// average would still be the random initial weights. 0.999 (a 1,000-step horizon) keeps
    /// 3 % of them after 3,600 steps, and is still long enough to smooth the step noise.
    public var emaDecay: Float = 0.999
    /// Linear learning-rate warm-up from 0, then constant.
    public var warmupSteps: Int
    /// Global gradient-norm clip (DiffAE: 1).
    public var gradientClip: Float = 1
    public var checkpointEvery = 500
    /// Seeds the model's initial weights, the data order, the diffusion noise and the flips.
    public var seed: UInt64 = 0
    /// Mirror frames left–right at random. Off by default: a mirrored face has its yaw and
    /// roll negated, which would contradict the data set's pose labels.
    public var horizontalFlip = false
    /// The end of each recording held out for evaluation (never trained on), after a gap.
    public var heldOutFraction = 0.1
    public var gapSeconds = 1.0
    /// Frames the training split held when the run started (checked on resume).
    public var trainingFrames: Int?
    /// The DAE whose weights start the run instead of random ones (fine-tuning): a dae.h5,
    /// or a run or speaker bundle folder holding one (`ModelFile`); its configuration must
    /// be the preset's.
    public var initialWeights: String?
    /// With `initialWeights`: widen z_sem's spread around its mean over the training frames
    /// by this factor before training (`SemanticEncoder.amplifySemanticCode`).
    public var semanticGain: Float?
    /// Share of timesteps drawn from the noisier half (`DiffAE.loss`); nil: DiffAE's uniform draw.
    public var highNoiseShare: Double?
    /// γ of the P2 loss weight 1/(1 + SNR)^γ per image (`GaussianDiffusion.p2Weight`); nil: DiffAE's equal weights.
    public var p2Gamma: Double?
    /// z_sem = [z_id | z_pose | z_exp], trained with `LatentSplitLoss`'s pressures (docs/architecture.md §8);
    /// nil: DiffAE's unsplit z_sem and its plain ε loss.
    public var latentSplit: LatentSplit?
    /// How much each split pressure counts (nil: `LatentSplitWeights()`'s defaults).
    public var latentSplitWeights: LatentSplitWeights?
    /// Erase the pose and the speaker linearly from z_exp (`LatentSplitLoss`'s `erasure`);
    /// nil or false: off.
    public var latentSplitErasure: Bool?
    /// Weight each pixel's loss by 1 + motionWeight · min(1, its frame-to-frame change / the
    /// 95th percentile) (`MotionWeighting`); nil: DiffAE's equal weights.
    public var motionWeight: Float?
    /// The semantic encoder steps at this × the learning rate (nil: 1, one rate for all), e.g.
    /// to let the UNet learn an encoder grafted from another model without the encoder drifting.
    public var encoderRateScale: Double?
    /// The encoder's output projection (features → z_sem, the layer a semantic gain scales)
    /// steps at this × the learning rate (nil: 1). After a gain g its weights are g× their
    /// size, so Adam's steps of ≈ lr barely move them; g gives them back their relative size.
    public var semanticRateScale: Double?
    /// What a new model's UNet predicts (nil: ε, DiffAE's); a model from `initialWeights` keeps its own.
    public var prediction: DiffusionPrediction?

    /// The configuration of the model this run trains (before `initialWeights` are read).
    public var modelConfig: DiffAEConfig { preset.config.predicting(prediction ?? .epsilon) }

    public init(data: [String], preset: DiffAEPreset = .cpu64, steps: Int = DAETrainingOptions.defaultSteps, warmupSteps: Int? = nil) {
        self.data = data
        self.preset = preset
        self.steps = steps
        self.warmupSteps = warmupSteps ?? Self.defaultWarmup(steps: steps)
    }

    /// ≈ 2 h of cpu64 on 2 cores.
    public static let defaultSteps = 3600

    /// A tenth of the run, at most 200 steps: enough for Adam's second-moment estimates to settle.
    public static func defaultWarmup(steps: Int) -> Int { Swift.min(200, steps / 10) }

    /// The settings that must be valid before anything runs; an error names the recipe field
    /// at fault (`RecipeError`, without the file: the caller knows it).
    public func validate() throws {
        func fail(_ field: String, _ why: String) throws { throw RecipeError(field: field, why) }
        if data.isEmpty { try fail("data", "at least one speaker data set folder is needed") }
        if steps < 1 { try fail("steps", "must be at least 1 (got \(steps))") }
        if batchSize < 1 { try fail("batch", "must be at least 1 (got \(batchSize))") }
        if !(learningRate > 0 && learningRate.isFinite) { try fail("lr", "must be positive (got \(learningRate))") }
        if checkpointEvery < 1 { try fail("checkpoint_every", "must be at least 1 (got \(checkpointEvery))") }
        if !(emaDecay >= 0 && emaDecay < 1) { try fail("ema", "must be in [0, 1) (got \(emaDecay))") }
        if warmupSteps < 0 || warmupSteps > steps { try fail("warmup", "must be in 0…\(steps), the run's steps (got \(warmupSteps))") }
        if !(heldOutFraction >= 0 && heldOutFraction < 1) { try fail("held_out", "must be in [0, 1) (got \(heldOutFraction))") }
        if !(gapSeconds >= 0 && gapSeconds.isFinite) { try fail("gap_seconds", "must be ≥ 0 (got \(gapSeconds))") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { try fail("weight_decay", "must be ≥ 0 (got \(weightDecay))") }
        if !(gradientClip > 0 && gradientClip.isFinite) { try fail("gradient_clip", "must be positive (got \(gradientClip))") }
        if let semanticGain {
            if !(semanticGain > 0 && semanticGain.isFinite) { try fail("semantic_gain", "must be positive (got \(semanticGain))") }
            if initialWeights == nil { try fail("semantic_gain", "rescales the initial weights; give them (--initial)") }
        }
        if let highNoiseShare, !(0...1).contains(highNoiseShare) { try fail("high_noise_share", "must be in 0…1 (got \(highNoiseShare))") }
        if let p2Gamma, !(p2Gamma >= 0 && p2Gamma <= 4) { try fail("p2_gamma", "must be in 0…4 (got \(p2Gamma))") }
        if let motionWeight, !(motionWeight >= 0 && motionWeight <= 1000) { try fail("motion_weight", "must be in 0…1000 (got \(motionWeight))") }
        if let encoderRateScale, !(encoderRateScale >= 0 && encoderRateScale <= 10) { try fail("encoder_lr_scale", "must be in 0…10 (got \(encoderRateScale))") }
        if let semanticRateScale, !(semanticRateScale >= 0 && semanticRateScale <= 10000) { try fail("semantic_lr_scale", "must be in 0…10000 (got \(semanticRateScale))") }
        if let latentSplit {
            for (name, size) in zip(["id", "pose", "expression"], latentSplit.sizes) where size < 0 {
                try fail("split.\(name)", "must be ≥ 0 (got \(size))")
            }
            let width = preset.config.zSemChannels
            if latentSplit.total != width { try fail("split", "id + pose + expression = \(latentSplit.total), but the \(preset.rawValue) z_sem has \(width) channels") }
            if horizontalFlip { try fail("flip", "mirrors frames, which contradicts the pose labels the split trains on; drop it with a split") }
            if highNoiseShare != nil || p2Gamma != nil { try fail("split", "trains on DiffAE's own loss (ε or v); it does not combine with high_noise_share or p2_gamma") }
            if motionWeight != nil { try fail("split", "trains on DiffAE's own loss (ε or v); it does not combine with motion_weight") }
        }
        for (name, weight) in (latentSplitWeights ?? LatentSplitWeights()).named where !(weight >= 0 && weight.isFinite) {
            try fail("split_weights.\(name)", "must be ≥ 0 (got \(String(format: "%g", Double(weight))))")
        }
        if latentSplitWeights != nil && latentSplit == nil { try fail("split_weights", "weighs the split's pressures; give split too") }
        if latentSplitErasure == true && latentSplit == nil { try fail("split_erasure", "is part of the split training; give split too") }
    }

    public func write(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }

    /// A run's options.json; files written before recipes existed (other key names) still read.
    public static func read(_ url: URL) throws -> DAETrainingOptions {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DAEWorkflowError.missingFile(url, "the run's training options")
        }
        do { return try RecipeFile.decode(DAETrainingOptions.self, from: data, runRecord: true).value } catch {
            throw DatasetError.unreadable(url, "\(error)")
        }
    }
}

/// What goes wrong around the diffusion autoencoder's workflows, naming the file or option.
public enum DAEWorkflowError: Error, CustomStringConvertible, LocalizedError {
    case invalidOption(String)
    case missingFile(URL, String)
    case runExists(URL, String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .invalidOption(let why): return why
        case .missingFile(let url, let what): return "\(url.path) does not exist (\(what))"
        case .runExists(let url, let why): return "\(url.path): \(why)"
        case .mismatch(let why): return why
        }
    }
    public var errorDescription: String? { description }
}
