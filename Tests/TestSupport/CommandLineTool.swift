import Foundation

/// The `talkingface` tool built beside the test bundle (or one folder up), for tests that run
/// it as a user does.
public struct CommandLineTool {
    public let url: URL

    /// nil when the tool has not been built next to the tests.
    public init?(named name: String = "talkingface") {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        guard let found = [products, products.deletingLastPathComponent()].map({ $0.appendingPathComponent(name) })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { return nil }
        url = found
    }

    /// The folder searched, for a skip message.
    public static var searchedFolder: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    /// Exit status and standard error of one run (standard output is discarded).
    public func run(_ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
