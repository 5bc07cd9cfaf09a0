import Foundation

/// Progress on standard error: one line redrawn in place on a terminal, plain lines (at most
/// every 10 %) when piped to a file or CI log.
final class ProgressBar {
    private let label: String
    private let interactive = isatty(fileno(stderr)) != 0
    private let started = Date()
    private var lastReportedTenth = -1

    init(_ label: String) { self.label = label }

    func update(_ done: Int, of total: Int) {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let status = String(format: "%@ %d/%d (%3.0f%%) %.1fs elapsed, ETA %.1fs", label, done, total, fraction * 100, elapsed, eta)
        if interactive {
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(status)".utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let tenth = Int(fraction * 10)
            if tenth > lastReportedTenth || done >= total {
                lastReportedTenth = tenth
                FileHandle.standardError.write(Data((status + "\n").utf8))
            }
        }
    }
}
