import Foundation

/// Ends the job when one collective operation waits too long for the other ranks.
///
/// An MPI collective blocks until every rank joins it. A rank that dies is noticed by the
/// launcher, which ends the job; a rank that hangs (stopped, swapping, stuck in I/O, a
/// network that drops its packets) is not, and would leave the others waiting for ever.
/// This watchdog thread sees how long the current collective has run and, past
/// `timeout` seconds, prints which rank gave up and exits the process, which makes the
/// launcher end the whole job. Between collectives the ranks compute, and rank 0 writes
/// checkpoints while the others wait in the next one: the timeout must exceed the
/// longest such gap (a checkpoint of the largest model), hence the generous default.
final class CollectiveWatchdog: @unchecked Sendable {
    /// `TALKINGFACE_MPI_TIMEOUT`, in seconds (default 600).
    static let timeoutVariable = "TALKINGFACE_MPI_TIMEOUT"
    let timeout: Double
    private let rank: Int, size: Int
    private let lock = NSLock()
    private var started: (call: String, at: Double)?

    init(rank: Int, size: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.rank = rank
        self.size = size
        timeout = environment[Self.timeoutVariable].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 600
        let thread = Thread { [unowned self] in self.watch() }
        thread.name = "collective watchdog"
        thread.start()
    }

    /// Runs `body` (one collective) under the watch.
    func guarding<T>(_ call: String, _ body: () throws -> T) rethrows -> T {
        lock.withLock { started = (call, Self.now) }
        defer { lock.withLock { started = nil } }
        return try body()
    }

    private func watch() {
        let interval = Swift.min(1, timeout / 4)
        while true {
            Thread.sleep(forTimeInterval: interval)
            let (call, waited) = lock.withLock { (started?.call, started.map { Self.now - $0.at } ?? 0) }
            guard let call, waited > timeout else { continue }
            let message = "talkingface: rank \(rank) of \(size) waited \(Int(waited)) s in \(call) for the other ranks "
                + "(more than \(Self.timeoutVariable)=\(Int(timeout)) s): one has hung or died; ending the job\n"
            FileHandle.standardError.write(Data(message.utf8))
            _exit(70)
        }
    }

    private static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
}
