import Foundation
import MediaIO

/// Everything that decides a `talkingface distill` run; stored as RUN/distill.json so that
/// `--resume` continues with exactly the same settings. Its JSON form is also the
/// `distill --recipe` file (snake_case keys; a field left out keeps its default).
public struct DistillationOptions: Codable, Equatable, Sendable {
    /// The speaker bundle whose decoder is distilled.
    public var speaker: String
    /// The speaker data set the bundle was trained on (its training part only).
    public var data: String
    /// DDIM steps of the first teacher, a power of two ≥ 2: each round halves them, down to 1.
    /// Its timesteps are spread evenly from x_T's (the bundle's first sampling timestep) to 0,
    /// so its frames stay close to the bundle's default decode (see docs/results.md §2.11).
    public var teacherSteps = 4
    /// Optimizer steps per round.
    public var steps = 1500
    public var batchSize = 8
    /// AdamW peak learning rate; warm-up, then cosine decay to a tenth.
    public var learningRate = 5e-5
    public var warmupSteps = 50
    /// EMA decay of each round's student (the weights the next round and the bundle take).
    public var emaDecay: Float = 0.995
    public var gradientClip: Float = 1
    public var seed: UInt64 = 0
    public var checkpointEvery = 100
    /// Every k-th training frame gives an example (its encoded z_sem, and the z_sem the
    /// speech model predicts for it when `predictedLatents`).
    public var frameStride = 8
    /// Also train on the z_sem the bundle's speech model predicts from the data set's speech
    /// (the latents `generate` will hand the student).
    public var predictedLatents = true
    /// The held-out end every trainer keeps out: a share of the frames, after a gap.
    public var heldOutFraction = 0.1
    public var gapSeconds = 1.0

    public init(speaker: String, data: String) {
        self.speaker = speaker
        self.data = data
    }

    /// Rounds: log2(teacher steps).
    public var rounds: Int { teacherSteps.trailingZeroBitCount }

    /// Student steps after round `round` (1-based): teacher steps / 2^round.
    public func studentSteps(round: Int) -> Int { teacherSteps >> round }

    public func validate() throws {
        func check(_ ok: Bool, _ field: CodingKeys, _ why: String) throws {
            if !ok { throw RecipeError(file: nil, field: field.stringValue, why) }
        }
        try check(teacherSteps >= 2 && teacherSteps <= 512 && teacherSteps & (teacherSteps - 1) == 0, .teacherSteps,
                  "\(teacherSteps); must be a power of two from 2 to 512 (each round halves it down to 1)")
        try check(steps >= 1, .steps, "\(steps); at least 1")
        try check(batchSize >= 1, .batchSize, "\(batchSize); at least 1")
        try check(learningRate.isFinite && learningRate > 0, .learningRate, "\(learningRate); must be above 0")
        try check(warmupSteps >= 0, .warmupSteps, "\(warmupSteps); at least 0")
        try check(emaDecay.isFinite && emaDecay >= 0 && emaDecay < 1, .emaDecay, "\(emaDecay); must be in [0, 1)")
        try check(gradientClip.isFinite && gradientClip > 0, .gradientClip, "\(gradientClip); must be above 0")
        try check(checkpointEvery >= 1, .checkpointEvery, "\(checkpointEvery); at least 1")
        try check(frameStride >= 1, .frameStride, "\(frameStride); at least 1")
        try check(heldOutFraction.isFinite && heldOutFraction >= 0 && heldOutFraction < 1, .heldOutFraction, "\(heldOutFraction); must be in [0, 1)")
        try check(gapSeconds.isFinite && gapSeconds >= 0, .gapSeconds, "\(gapSeconds); at least 0")
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case speaker, data, teacherSteps = "teacher_steps", steps, batchSize = "batch", learningRate = "lr"
        case warmupSteps = "warmup", emaDecay = "ema", gradientClip = "gradient_clip", seed, checkpointEvery = "checkpoint_every"
        case frameStride = "frame_stride", predictedLatents = "predicted_latents"
        case heldOutFraction = "held_out", gapSeconds = "gap_seconds"
    }

    /// The fields a recipe may set.
    public static let recipeFields = CodingKeys.allCases.map(\.stringValue)

    public init(from decoder: Decoder) throws {
        let field = try RecipeFields<CodingKeys>(decoder, known: Self.recipeFields, earlierKeys: [:])
        self.init(speaker: try field(.speaker) ?? "", data: try field(.data) ?? "")
        if let v: Int = try field(.teacherSteps) { teacherSteps = v }
        if let v: Int = try field(.steps) { steps = v }
        if let v: Int = try field(.batchSize) { batchSize = v }
        if let v: Double = try field(.learningRate) { learningRate = v }
        if let v: Int = try field(.warmupSteps) { warmupSteps = v }
        if let v: Float = try field(.emaDecay) { emaDecay = v }
        if let v: Float = try field(.gradientClip) { gradientClip = v }
        if let v: UInt64 = try field(.seed) { seed = v }
        if let v: Int = try field(.checkpointEvery) { checkpointEvery = v }
        if let v: Int = try field(.frameStride) { frameStride = v }
        if let v: Bool = try field(.predictedLatents) { predictedLatents = v }
        if let v: Double = try field(.heldOutFraction) { heldOutFraction = v }
        if let v: Double = try field(.gapSeconds) { gapSeconds = v }
    }

    public func write(to url: URL) throws { try JSONFile.write(self, to: url) }

    public static func read(_ url: URL) throws -> DistillationOptions {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RecipeError(file: url.path, field: "", "cannot be read (no such file)")
        }
        return try RecipeFile.decode(Self.self, from: data, file: url.path, runRecord: true).value
    }
}
