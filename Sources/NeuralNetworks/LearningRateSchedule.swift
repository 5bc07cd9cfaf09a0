import Foundation

/// Linear warm-up from 0 to `peak` over `warmupSteps`, then a half cosine down to
/// `peak · minimumRatio` at `totalSteps` (and flat after). The formula of Hugging Face's
/// `get_cosine_with_min_lr_schedule_with_warmup` (one half cycle):
///
///     step < warmup:  peak · step / warmup
///     otherwise:      peak · (r + (1 − r) · ½(1 + cos(π · progress))),
///                     progress = (step − warmup) / (total − warmup), clamped to 1
public struct WarmupCosineSchedule: Sendable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimumRatio: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, minimumRatio: Double = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps, "need 0 ≤ warmupSteps ≤ totalSteps")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumRatio = minimumRatio
    }

    /// The learning rate for optimizer step `step` (0-based).
    public func callAsFunction(_ step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step) / Double(max(1, warmupSteps)) }
        let progress = min(1, Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)))
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return peak * (minimumRatio + (1 - minimumRatio) * cosine)
    }
}
