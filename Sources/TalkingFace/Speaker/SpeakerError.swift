import Foundation

/// A speaker bundle that cannot be used, or a generation request that does not fit it;
/// always names the file concerned.
public struct SpeakerError: Error, CustomStringConvertible, LocalizedError {
    public let file: URL?
    public let reason: String

    public init(file: URL?, _ reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { file.map { "\($0.path): \(reason)" } ?? reason }
    public var errorDescription: String? { description }
}
