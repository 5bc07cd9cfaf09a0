import Foundation
import NeuralNetworks

/// Renders `TrainingLoop` progress on standard error: one line redrawn in place on a
/// terminal; on a pipe or CI log, a plain line every `logEvery` steps, on checkpoints and
/// at the end.
final class TrainingProgressLine {
    private let label: String
    private let interactive = isatty(fileno(stderr)) != 0
    private let logEvery: Int

    init(_ label: String, logEvery: Int = 50) {
        self.label = label
        self.logEvery = max(1, logEvery)
    }

    func update(_ p: TrainingProgress) {
        let saved = p.checkpointSaved ? "  ✓ checkpoint" : ""
        let status = String(format: "%@ step %d/%d  loss %.4f (smoothed %.4f)  lr %.2e  %.2f steps/s  ETA %@%@",
                            label, p.step, p.totalSteps, p.loss, p.smoothedLoss, p.learningRate, p.stepsPerSecond,
                            Self.duration(p.secondsRemaining), saved)
        let last = p.step >= p.totalSteps
        if interactive {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(status)".utf8))
            if last || p.checkpointSaved { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if last || p.checkpointSaved || p.step % logEvery == 0 {
            FileHandle.standardError.write(Data((status + "\n").utf8))
        }
    }

    /// "42s", "6m12s", "3h05m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
