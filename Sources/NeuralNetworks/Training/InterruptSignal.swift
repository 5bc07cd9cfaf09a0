#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C and SIGTERM (what `timeout`, Docker and Slurm send) for long jobs: while installed,
/// either signal only raises a flag that the job polls between steps, so it can save a
/// checkpoint (or clean up) and stop instead of dying mid-write. A second signal while the
/// flag is still up exits at once (status 128 + the signal), so a stuck step can always be
/// killed.
public enum InterruptSignal {
    /// The signals routed to the flag.
    public static let handled: [Int32] = [SIGINT, SIGTERM]

    /// Written by the signal handler: the signal's number (0: none), a plain word, the only
    /// thing a handler may touch.
    nonisolated(unsafe) private static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]
    nonisolated(unsafe) private static var installCount = 0

    /// True once a signal arrived (or `request()` was called) since the last `reset()`.
    public static var isRequested: Bool { flag.pointee != 0 }

    /// The signal that raised the flag (SIGINT after `request()`), nil while it is down.
    public static var receivedSignal: Int32? { flag.pointee == 0 ? nil : Int32(flag.pointee) }

    /// The shell's status for a job stopped by the signal: 130 after SIGINT, 143 after SIGTERM.
    public static var exitStatus: Int32 { 128 + (receivedSignal ?? SIGINT) }

    /// True between `install()` and the matching `uninstall()`.
    public static var isInstalled: Bool { installCount > 0 }

    /// Raises the flag as SIGINT would (tests, or a UI's stop button).
    public static func request() { flag.pointee = sig_atomic_t(SIGINT) }

    public static func reset() { flag.pointee = 0 }

    /// Throws `CancellationError` when installed and the flag is up: for jobs that stop by
    /// unwinding (and cleaning up on the way) rather than by returning.
    public static func throwIfRequested() throws {
        if isInstalled && isRequested { throw CancellationError() }
    }

    /// Routes SIGINT and SIGTERM to the flag until the matching `uninstall()`; nested calls
    /// are counted.
    public static func install() {
        _ = flag  // initialise the lazy global here, never inside the handler
        installCount += 1
        guard installCount == 1 else { return }
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = interruptHandler
        #else
        action.__sigaction_u.__sa_handler = interruptHandler
        #endif
        sigemptyset(&action.sa_mask)
        for signal in handled { sigaddset(&action.sa_mask, signal) }  // one handler at a time
        action.sa_flags = 0
        for signal in handled {
            var old = sigaction()
            sigaction(signal, &action, &old)
            previous[signal] = old
        }
    }

    /// Puts back the behaviour found by the first `install()`.
    public static func uninstall() {
        guard installCount > 0 else { return }
        installCount -= 1
        guard installCount == 0 else { return }
        for signal in handled {
            guard var old = previous[signal] else { continue }
            sigaction(signal, &old, nil)
        }
    }

    fileprivate static var flagPointer: UnsafeMutablePointer<sig_atomic_t> { flag }
}

/// The handler: async-signal-safe (a store, or `_exit`).
private func interruptHandler(_ signal: Int32) {
    let flag = InterruptSignal.flagPointer
    if flag.pointee != 0 { _exit(128 + signal) }
    flag.pointee = sig_atomic_t(signal)
}
