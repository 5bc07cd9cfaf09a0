import Foundation
import NeuralNetworks

/// A training run's progress on standard error: step, loss (this step and smoothed),
/// learning rate, gradient norm, steps/s and ETA. Redrawn in place on a terminal; when
/// piped, a plain line every 10 seconds and at the end.
final class TrainingProgressLine {
    private let label: String
    private let interactive = isatty(fileno(stderr)) != 0
    private var lastPrinted = Date.distantPast
    private var pending: String?

    init(label: String) { self.label = label }

    func update(_ p: TrainingProgress) {
        let numbers = String(format: "step %d/%d  loss %.4f (avg %.4f)  lr %.1e  |g| %.2f  %.2f steps/s",
                             p.step, p.totalSteps, p.loss, p.smoothedLoss, p.learningRate, p.gradientNorm, p.stepsPerSecond)
        let text = "\(label) \(numbers)  ETA \(TrainingProgressLine.duration(p.secondsRemaining))"
        if interactive {
            write("\r\u{1B}[K" + text)
            pending = text
        } else if Date().timeIntervalSince(lastPrinted) >= 10 || p.step == p.totalSteps {
            write(text + "\n")
            lastPrinted = Date()
            pending = nil
        } else {
            pending = text
        }
    }

    /// A message on its own line, without losing the progress line.
    func note(_ message: String) {
        if interactive {
            write("\r\u{1B}[K" + message + "\n" + (pending ?? ""))
        } else {
            if let pending { write(pending + "\n") }  // the step the message is about comes first
            pending = nil
            lastPrinted = Date()
            write(message + "\n")
        }
    }

    /// Ends the progress line (printing the last state when piped).
    func finish() {
        if interactive { if pending != nil { write("\n") } } else if let pending { write(pending + "\n") }
        pending = nil
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    /// 95 s → "1m35s", 7300 s → "2h01m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
