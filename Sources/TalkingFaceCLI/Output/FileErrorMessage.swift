import ArgumentParser
import Foundation
import TalkingFace

/// Foundation's file errors as one line naming the path and the reason, instead of
/// "Error Domain=NSCocoaErrorDomain Code=… UserInfo={…}".
enum FileErrorMessage {
    /// `error` itself unless it is a Foundation file error.
    static func readable(_ original: Error) -> Error {
        let error = original as NSError
        guard error.domain == NSCocoaErrorDomain else { return original }
        let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        return ReadableFileError(message: path.map { "\($0): \(reason(of: error))" } ?? reason(of: error))
    }

    private static func reason(of error: NSError) -> String {
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileWriteFileExists: return "a file of that name already exists"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileReadCorruptFile: return "unreadable (corrupt)"
        default: return "file error \(error.code)"
        }
    }
}

private struct ReadableFileError: Error, CustomStringConvertible, LocalizedError {
    let message: String
    var description: String { message }
    var errorDescription: String? { message }
}
