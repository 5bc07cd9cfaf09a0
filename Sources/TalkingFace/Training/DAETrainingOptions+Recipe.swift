import DiffusionAutoencoder
import Disentanglement
import Foundation

/// The JSON form of `DAETrainingOptions`: a run's options.json and a `dae train --recipe`
/// file. Keys are the command's flag names in snake_case (`lr`, `ema`, `split_weights`); a
/// field left out keeps its default, an unknown one is an error.
///
///     {"preset": "cpu64", "prediction": "v", "motion_weight": 50, "warmup": 200,
///      "split": {"id": 64, "pose": 32, "expression": 416},
///      "split_weights": {"swap": 1, "pose": 10, "pose_readout": 10}, "split_erasure": true}
extension DAETrainingOptions {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case data, preset, steps, batchSize = "batch", learningRate = "lr", seed, checkpointEvery = "checkpoint_every"
        case initialWeights = "initial", emaDecay = "ema", warmupSteps = "warmup", horizontalFlip = "flip"
        case heldOutFraction = "held_out", gapSeconds = "gap_seconds", weightDecay = "weight_decay", gradientClip = "gradient_clip"
        case semanticGain = "semantic_gain", prediction, highNoiseShare = "high_noise_share", p2Gamma = "p2_gamma"
        case motionWeight = "motion_weight", encoderRateScale = "encoder_lr_scale", semanticRateScale = "semantic_lr_scale"
        case latentSplit = "split", latentSplitWeights = "split_weights", latentSplitErasure = "split_erasure"
        /// Run state, not a setting: only in options.json.
        case trainingFrames = "training_frames"
    }

    /// options.json's keys before recipes (the property names in snake_case): an old run
    /// folder still resumes.
    private static let earlierKeys: [CodingKeys: String] = [
        .batchSize: "batch_size", .learningRate: "learning_rate", .initialWeights: "initial_weights",
        .emaDecay: "ema_decay", .warmupSteps: "warmup_steps", .horizontalFlip: "horizontal_flip",
        .heldOutFraction: "held_out_fraction", .encoderRateScale: "encoder_rate_scale", .semanticRateScale: "semantic_rate_scale",
        .latentSplit: "latent_split", .latentSplitWeights: "latent_split_weights", .latentSplitErasure: "latent_split_erasure",
    ]

    /// The fields a recipe may set.
    public static let recipeFields = CodingKeys.allCases.filter { $0 != .trainingFrames }.map(\.stringValue)

    public init(from decoder: Decoder) throws {
        let runRecord = decoder.readsRunRecord
        try decoder.rejectUnknownKeys(known: Self.recipeFields,
                                      accepted: runRecord ? [CodingKeys.trainingFrames.stringValue] + Array(Self.earlierKeys.values).sorted() : [])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let earlier = try decoder.container(keyedBy: AnyCodingKey.self)
        /// The value under its key, or (in a run's own record) under the key it had before.
        func field<T: Decodable>(_ key: CodingKeys) throws -> T? {
            if let value: T = try c.value(key) { return value }
            guard runRecord, let old = Self.earlierKeys[key] else { return nil }
            return try earlier.value(AnyCodingKey(stringValue: old))
        }
        let steps: Int = try field(.steps) ?? Self.defaultSteps
        self.init(data: try field(.data) ?? [], preset: try c.choice(.preset) ?? .cpu64, steps: steps, warmupSteps: try field(.warmupSteps))
        if let v: Int = try field(.batchSize) { batchSize = v }
        if let v: Double = try field(.learningRate) { learningRate = v }
        if let v: UInt64 = try field(.seed) { seed = v }
        if let v: Int = try field(.checkpointEvery) { checkpointEvery = v }
        if let v: Float = try field(.emaDecay) { emaDecay = v }
        if let v: Bool = try field(.horizontalFlip) { horizontalFlip = v }
        if let v: Double = try field(.heldOutFraction) { heldOutFraction = v }
        if let v: Double = try field(.gapSeconds) { gapSeconds = v }
        if let v: Double = try field(.weightDecay) { weightDecay = v }
        if let v: Float = try field(.gradientClip) { gradientClip = v }
        initialWeights = try field(.initialWeights)
        semanticGain = try field(.semanticGain)
        prediction = try c.choice(.prediction)
        highNoiseShare = try field(.highNoiseShare)
        p2Gamma = try field(.p2Gamma)
        motionWeight = try field(.motionWeight)
        encoderRateScale = try field(.encoderRateScale)
        semanticRateScale = try field(.semanticRateScale)
        if try c.holds(.latentSplit) {
            latentSplit = try c.object(.latentSplit, known: ["id", "pose", "expression"])
        } else {
            latentSplit = try field(.latentSplit)
        }
        if try c.holds(.latentSplitWeights) {
            latentSplitWeights = try c.object(.latentSplitWeights, known: LatentSplitWeights.fieldNames)
        } else {
            latentSplitWeights = try field(.latentSplitWeights)
        }
        latentSplitErasure = try field(.latentSplitErasure)
        trainingFrames = runRecord ? try c.value(.trainingFrames) : nil
    }
}
