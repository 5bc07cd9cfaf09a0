#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A crash (a bad memory access, a failed check, an arithmetic fault) prints one fixed line
/// and ends the process with the signal's default action (core dump, status 128 + signal).
/// The handler only calls `write(2)` and `raise(3)`: no allocation, no locks, no Foundation,
/// so it cannot hang, whatever state the crash left the heap or other threads in.
///
/// Set SWIFT_BACKTRACE (e.g. `SWIFT_BACKTRACE=enable=yes`) to keep the Swift runtime's own
/// backtracing handler instead, for a stack trace while debugging.
enum CrashHandler {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT]

    static func install() {
        guard getenv("SWIFT_BACKTRACE") == nil else { return }
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = crashHandler
        #else
        action.__sigaction_u.__sa_handler = crashHandler
        #endif
        sigemptyset(&action.sa_mask)
        // Reset to the default before the handler runs, so a second fault (or the re-raise)
        // ends the process; no deferral, so the re-raise is delivered at once.
        action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND) | UInt32(SA_NODEFER))
        for signal in signals { sigaction(signal, &action, nil) }
    }
}

/// Async-signal-safe: fixed bytes to standard error, then the default action.
private func crashHandler(_ signal: Int32) {
    let message: StaticString = switch signal {
    case SIGSEGV: "talkingface: crashed (SIGSEGV, a bad memory access). This is a bug; please report it with the command that caused it.\n"
    case SIGBUS: "talkingface: crashed (SIGBUS, a bad memory access). This is a bug; please report it with the command that caused it.\n"
    case SIGFPE: "talkingface: crashed (SIGFPE, an arithmetic fault). This is a bug; please report it with the command that caused it.\n"
    case SIGABRT: "talkingface: crashed (SIGABRT, aborted). This is a bug; please report it with the command that caused it.\n"
    default: "talkingface: crashed (a failed check). This is a bug; please report it with the command that caused it.\n"
    }
    _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
    raise(signal)
}
