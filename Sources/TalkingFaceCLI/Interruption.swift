import ArgumentParser
import Logging
import NeuralNetworks

extension ExitCode {
    /// How a command ends that Ctrl-C or SIGTERM stopped (after saving or cleaning up): the
    /// shell's status for the signal, 130 or 143, so `train && encode` does not go on with a
    /// half-trained model.
    static var interrupted: ExitCode { ExitCode(InterruptSignal.exitStatus) }
}

/// Runs `body` with Ctrl-C and SIGTERM routed to `InterruptSignal`, for work that stops by
/// cleaning up and throwing `CancellationError` (`InterruptSignal.throwIfRequested()`);
/// then logs `stopped` and exits with `ExitCode.interrupted`.
func stoppingOnSignals<T>(_ logger: Logger, stopped: String, _ body: () throws -> T) throws -> T {
    InterruptSignal.reset()
    InterruptSignal.install()
    defer { InterruptSignal.uninstall() }
    do {
        return try body()
    } catch is CancellationError {
        logger.info("\(stopped)")
        throw ExitCode.interrupted
    }
}
