import ArgumentParser
import Autodiff
import Foundation
import Logging

// Before anything else: OpenBLAS reads its thread count and kernel when the process starts,
// so the binary re-executes itself once with them set unless the user exported them.
BLASEnvironment.reexecuteIfUnset()

// swift-log is bootstrapped exactly once, here; the library only creates Loggers.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["TALKINGFACE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
CrashHandler.install()
let blasThreads = ProcessInfo.processInfo.environment[BLASEnvironment.threadsVariable] ?? "unset"
Logger(label: "talkingface").debug("OpenBLAS kernel \(BLASEnvironment.kernelInUse), \(BLASEnvironment.threadsVariable)=\(blasThreads)")
// As ParsableCommand.main(), with Foundation's file errors told in one line.
do {
    var command = try TalkingFaceCommand.parseAsRoot()
    try command.run()
} catch {
    TalkingFaceCommand.exit(withError: FileErrorMessage.readable(error))
}
