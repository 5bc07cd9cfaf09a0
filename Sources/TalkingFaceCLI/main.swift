import Foundation
import Logging

// swift-log is bootstrapped exactly once, here; the library only creates Loggers.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["TALKINGFACE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
CrashHandler.install()
TalkingFaceCommand.main()
