import Foundation

/// One step's report from `TrainingLoop`, for a progress bar or a log line.
public struct TrainingProgress: Sendable {
    /// Optimizer steps completed so far (this run and any resumed ones).
    public var step: Int
    public var totalSteps: Int
    /// This step's loss.
    public var loss: Float
    /// Bias-corrected exponential moving average of the loss (this run's steps).
    public var smoothedLoss: Float
    /// Learning rate used for this step.
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    /// Steps per second over this run so far (wall clock).
    public var stepsPerSecond: Double
    /// Remaining steps at the current rate.
    public var secondsRemaining: Double
    /// True when this step ends with a checkpoint (written right after this report).
    public var checkpointSaved: Bool
}

/// Bias-corrected exponential moving average (as Adam corrects its moments), so the first
/// steps are not dragged towards zero.
struct LossSmoother {
    let decay: Double
    private var average = 0.0
    private var updates = 0

    init(decay: Double) { self.decay = decay }

    mutating func add(_ value: Float) -> Float {
        updates += 1
        average = decay * average + (1 - decay) * Double(value)
        return Float(average / (1 - pow(decay, Double(updates))))
    }
}

/// Steps per second over a run and the time left, from the monotonic clock.
struct StepRate {
    private let start = DispatchTime.now().uptimeNanoseconds
    private var steps = 0

    mutating func stepFinished() { steps += 1 }

    var stepsPerSecond: Double {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return seconds > 0 ? Double(steps) / seconds : 0
    }

    func secondsRemaining(_ remainingSteps: Int) -> Double {
        let rate = stepsPerSecond
        return rate > 0 ? Double(remainingSteps) / rate : .infinity
    }
}
