#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Bytes that arrive over time: a pipe, or a file that something is still writing.
public protocol ByteSource: AnyObject {
    /// Where the bytes come from, for messages (nil: standard input).
    var url: URL? { get }
    /// The next bytes (1 ≤ count ≤ `maximum`), waiting until some arrive; nil at the end.
    func read(maximum: Int) throws -> [UInt8]?
}

/// A file descriptor read until its end: standard input, a pipe.
public final class FileDescriptorSource: ByteSource {
    public let descriptor: Int32
    public var url: URL? { nil }

    public init(descriptor: Int32 = STDIN_FILENO) { self.descriptor = descriptor }

    public func read(maximum: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, maximum) }
            if n > 0 { return Array(buffer.prefix(n)) }
            if n == 0 { return nil }
            guard errno == EINTR else {
                throw MediaIOError(.io, file: nil, "reading standard input: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A file that is still being written: read as it grows, ending once it has not grown for
/// `idleSeconds` (taken as the writer being done).
public final class GrowingFileSource: ByteSource {
    public let file: URL
    public var url: URL? { file }
    public let idleSeconds: Double
    /// How often a file that has stopped growing is looked at again.
    public let pollSeconds: Double
    private let handle: FileHandle

    /// Throws when the file does not exist or cannot be opened.
    public init(_ file: URL, idleSeconds: Double, pollSeconds: Double = 0.01) throws {
        precondition(idleSeconds >= 0 && pollSeconds > 0, "idle \(idleSeconds) s, poll \(pollSeconds) s")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MediaIOError(.fileNotFound, file: file, "no such file")
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw MediaIOError(.io, file: file, "cannot open: \(String(cString: strerror(errno)))")
        }
        (self.file, self.idleSeconds, self.pollSeconds, self.handle) = (file, idleSeconds, pollSeconds, handle)
    }

    public func read(maximum: Int) throws -> [UInt8]? {
        let idleSince = DispatchTime.now().uptimeNanoseconds
        while true {
            let data: Data
            do { data = try handle.read(upToCount: maximum) ?? Data() } catch {
                throw MediaIOError(.io, file: file, "reading: \(error.localizedDescription)")
            }
            if !data.isEmpty { return [UInt8](data) }
            if Double(DispatchTime.now().uptimeNanoseconds - idleSince) / 1e9 >= idleSeconds { return nil }
            usleep(useconds_t(pollSeconds * 1e6))
        }
    }

    deinit { try? handle.close() }
}
