import Foundation

/// The JSON form of `SpeechToLatentTrainingOptions`: RUN/run.json's `options` and an
/// `s2l train --recipe` file. Keys are the command's flag names in snake_case; a field left
/// out keeps its default, an unknown one is an error.
///
///     {"preset": "cpu", "steps": 3000, "seed": 1, "checkpoint_every": 100, "warmup": 300}
extension SpeechToLatentTrainingOptions {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, steps, batchSize = "batch", learningRate = "lr", warmupSteps = "warmup", seed
        case checkpointEvery = "checkpoint_every", maxGradientNorm = "gradient_clip", heldOutFraction = "held_out"
        case gapSeconds = "gap_seconds", initialWeights = "initial"
    }

    /// run.json's keys before recipes (the property names): an old run still reads.
    private static let earlierKeys: [CodingKeys: String] = [
        .batchSize: "batchSize", .learningRate: "learningRate", .warmupSteps: "warmupSteps", .checkpointEvery: "checkpointEvery",
        .maxGradientNorm: "maxGradientNorm", .heldOutFraction: "heldOutFraction", .gapSeconds: "gapSeconds", .initialWeights: "initialWeights",
    ]

    public static let recipeFields = CodingKeys.allCases.map(\.stringValue)

    public init(from decoder: Decoder) throws {
        let field = try RecipeFields(decoder, known: Self.recipeFields, earlierKeys: Self.earlierKeys)
        let c = field.container
        self.init()
        preset = try c.choice(.preset)
        if let v: Int = try field(.steps) { steps = v }
        if let v: Int = try field(.batchSize) { batchSize = v }
        if let v: Double = try field(.learningRate) { learningRate = v }
        warmupSteps = try field(.warmupSteps)
        if let v: UInt64 = try field(.seed) { seed = v }
        if let v: Int = try field(.checkpointEvery) { checkpointEvery = v }
        if let v: Float = try field(.maxGradientNorm) { maxGradientNorm = v }
        if let v: Double = try field(.heldOutFraction) { heldOutFraction = v }
        if let v: Double = try field(.gapSeconds) { gapSeconds = v }
        initialWeights = try field(.initialWeights)
    }

    /// The settings that must be valid before anything runs; an error names the recipe field.
    public func validate() throws {
        func fail(_ field: String, _ why: String) throws { throw RecipeError(field: field, why) }
        if steps < 1 { try fail("steps", "must be at least 1 (got \(steps))") }
        if batchSize < 1 { try fail("batch", "must be at least 1 (got \(batchSize))") }
        if !(learningRate > 0 && learningRate.isFinite) { try fail("lr", "must be positive (got \(learningRate))") }
        if let warmupSteps, warmupSteps < 0 { try fail("warmup", "must be ≥ 0 (got \(warmupSteps))") }
        if checkpointEvery < 1 { try fail("checkpoint_every", "must be at least 1 (got \(checkpointEvery))") }
        if !(maxGradientNorm > 0 && maxGradientNorm.isFinite) { try fail("gradient_clip", "must be positive (got \(maxGradientNorm))") }
        if !(heldOutFraction >= 0 && heldOutFraction < 1) { try fail("held_out", "must be in [0, 1) (got \(heldOutFraction))") }
        if !(gapSeconds >= 0 && gapSeconds.isFinite) { try fail("gap_seconds", "must be ≥ 0 (got \(gapSeconds))") }
    }
}
