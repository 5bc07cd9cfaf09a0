#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C for training loops: while installed, SIGINT only raises a flag that the loop
/// polls between steps, so it can save a checkpoint and return instead of dying mid-write.
/// A second Ctrl-C while the flag is still up exits at once (exit status 130), so a stuck
/// step can always be killed.
public enum InterruptSignal {
    /// Written by the signal handler: a plain word, the only thing a handler may touch.
    nonisolated(unsafe) private static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()
    nonisolated(unsafe) private static var previous = sigaction()
    nonisolated(unsafe) private static var installCount = 0

    /// True once Ctrl-C arrived (or `request()` was called) since the last `reset()`.
    public static var isRequested: Bool { flag.pointee != 0 }

    /// Raises the flag as SIGINT would (tests, or a UI's stop button).
    public static func request() { flag.pointee = 1 }

    public static func reset() { flag.pointee = 0 }

    /// Routes SIGINT to the flag until the matching `uninstall()`; nested calls are counted.
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
        action.sa_flags = 0
        sigaction(SIGINT, &action, &previous)
    }

    /// Puts back the SIGINT behaviour found by the first `install()`.
    public static func uninstall() {
        guard installCount > 0 else { return }
        installCount -= 1
        guard installCount == 0 else { return }
        sigaction(SIGINT, &previous, nil)
    }

    fileprivate static var flagPointer: UnsafeMutablePointer<sig_atomic_t> { flag }
}

/// The SIGINT handler: async-signal-safe (a store, or `_exit`).
private func interruptHandler(_: Int32) {
    let flag = InterruptSignal.flagPointer
    if flag.pointee != 0 { _exit(130) }
    flag.pointee = 1
}
