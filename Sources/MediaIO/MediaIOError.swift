import Foundation

/// The one error type of MediaIO: what went wrong, in which file, at which key.
///
/// `description` reads "path: 'key': reason", so a failed checkpoint load or audio read
/// tells the user exactly which file (and which tensor) to look at.
public struct MediaIOError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The path does not exist (or is not a regular file).
        case fileNotFound
        /// The file exists but holds zero bytes.
        case emptyFile
        /// The bytes are not what the format promises (truncated, bad header, bad offsets).
        case corrupt
        /// Well-formed but outside what we read (a dtype, a codec, a layout).
        case unsupported
        /// The caller asked for something impossible (bad key name, bad sample rate).
        case invalidArgument
        /// The audio decodes to zero frames.
        case emptyAudio
        /// The operating system refused (permissions, disk full, rename failed).
        case io
    }

    public let kind: Kind
    /// The file concerned; nil only for in-memory operations (e.g. resampling an array).
    public let file: URL?
    public let key: String?
    public let reason: String

    public init(_ kind: Kind, file: URL?, key: String? = nil, _ reason: String) {
        self.kind = kind
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        let place = [file?.path, key.map { "'\($0)'" }].compactMap { $0 }
        return (place + [reason]).joined(separator: ": ")
    }

    public var errorDescription: String? { description }
}
