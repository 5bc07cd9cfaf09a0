import Foundation

/// Why an output path was refused, or could not be written: one line naming the path.
public struct OutputError: Error, CustomStringConvertible, LocalizedError {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
    public var errorDescription: String? { message }

    /// The reason the last system call failed (`errno`), in words.
    static func systemReason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
