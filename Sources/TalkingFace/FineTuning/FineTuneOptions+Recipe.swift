import Foundation

/// The JSON form of `FineTuneOptions`: OUT/finetune.json and a `finetune --recipe` file.
/// Keys are the command's flag names in snake_case; a field left out keeps its default (base,
/// data and name have none: the command gives them), an unknown one is an error.
///
///     {"dae_steps": 1800, "s2l_steps": 1500, "dae_lr": 5e-5, "reference_frame": 120}
extension FineTuneOptions {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case base, data, name, daeSteps = "dae_steps", s2lSteps = "s2l_steps", batchSize = "batch"
        case daeLearningRate = "dae_lr", s2lLearningRate = "s2l_lr", seed, checkpointEvery = "checkpoint_every"
        case audioEncoder = "audio_encoder", referenceFrame = "reference_frame"
        case motionWeight = "motion_weight", highNoiseShare = "high_noise_share"
    }

    /// finetune.json's keys before recipes: an old output folder still continues.
    private static let earlierKeys: [CodingKeys: String] = [
        .batchSize: "batch_size", .daeLearningRate: "dae_learning_rate", .s2lLearningRate: "s2l_learning_rate",
    ]

    public static let recipeFields = CodingKeys.allCases.map(\.stringValue)

    public init(from decoder: Decoder) throws {
        let field = try RecipeFields(decoder, known: Self.recipeFields, earlierKeys: Self.earlierKeys)
        self.init(base: try field(.base) ?? "", data: try field(.data) ?? "", name: try field(.name) ?? "")
        if let v: Int = try field(.daeSteps) { daeSteps = v }
        if let v: Int = try field(.s2lSteps) { s2lSteps = v }
        if let v: Int = try field(.batchSize) { batchSize = v }
        if let v: Double = try field(.daeLearningRate) { daeLearningRate = v }
        if let v: Double = try field(.s2lLearningRate) { s2lLearningRate = v }
        if let v: UInt64 = try field(.seed) { seed = v }
        if let v: Int = try field(.checkpointEvery) { checkpointEvery = v }
        audioEncoder = try field(.audioEncoder)
        referenceFrame = try field(.referenceFrame)
        motionWeight = try field(.motionWeight)
        highNoiseShare = try field(.highNoiseShare)
    }

    /// The settings that must be valid before anything runs; an error names the recipe field.
    public func validate() throws {
        func fail(_ field: String, _ why: String) throws { throw RecipeError(field: field, why) }
        if daeSteps < 1 { try fail("dae_steps", "must be at least 1 (got \(daeSteps))") }
        if s2lSteps < 1 { try fail("s2l_steps", "must be at least 1 (got \(s2lSteps))") }
        if batchSize < 1 { try fail("batch", "must be at least 1 (got \(batchSize))") }
        if !(daeLearningRate > 0 && daeLearningRate.isFinite) { try fail("dae_lr", "must be positive (got \(daeLearningRate))") }
        if !(s2lLearningRate > 0 && s2lLearningRate.isFinite) { try fail("s2l_lr", "must be positive (got \(s2lLearningRate))") }
        if checkpointEvery < 1 { try fail("checkpoint_every", "must be at least 1 (got \(checkpointEvery))") }
        if let referenceFrame, referenceFrame < 0 { try fail("reference_frame", "must be ≥ 0 (got \(referenceFrame))") }
        if let motionWeight, !(motionWeight >= 0 && motionWeight <= 1000) { try fail("motion_weight", "must be in 0…1000 (got \(motionWeight))") }
        if let highNoiseShare, !(0...1).contains(highNoiseShare) { try fail("high_noise_share", "must be in 0…1 (got \(highNoiseShare))") }
    }
}
