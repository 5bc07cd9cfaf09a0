import ArgumentParser
import Autodiff
import Foundation
import Logging

// Before anything else: OpenBLAS reads its thread count and kernel when the process starts,
// so the binary re-executes itself once with them set unless the user exported them.
BLASEnvironment.reexecuteIfUnset()

// Under an MPI launcher, MPI starts here (rank 0 of 1 otherwise, with no MPI call).
let ranks = Ranks.communicator

// swift-log is bootstrapped exactly once, here; the library only creates Loggers. Only rank 0
// of a data-parallel job logs below warnings.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["TALKINGFACE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        ?? (ranks.isRoot ? .info : .warning)
    return handler
}
CrashHandler.install()
let blasThreads = ProcessInfo.processInfo.environment[BLASEnvironment.threadsVariable] ?? "unset"
Logger(label: "talkingface").debug("OpenBLAS kernel \(BLASEnvironment.kernelInUse), \(BLASEnvironment.threadsVariable)=\(blasThreads)")
// As ParsableCommand.main(), with Foundation's file errors told in one line.
// In a data-parallel job, an error on one rank ends every rank (MPI_Abort): the others would
// otherwise wait for it in their next collective.
do {
    var command = try TalkingFaceCommand.parseAsRoot()
    try command.run()
    Ranks.finish()
} catch {
    let readable = FileErrorMessage.readable(error)
    if ranks.size > 1 && !(error is ExitCode) && !(error is CleanExit) {
        ranks.abort("talkingface (rank \(ranks.rank) of \(ranks.size)): \(TalkingFaceCommand.fullMessage(for: readable)); ending the job")
    }
    Ranks.finish()
    TalkingFaceCommand.exit(withError: readable)
}
