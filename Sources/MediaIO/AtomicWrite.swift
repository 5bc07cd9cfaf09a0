import Foundation

/// Writes a file by building it under a temporary name in the same directory and renaming
/// it into place: readers see the old file or the new one, never a half-written one.
///
/// `body` receives the temporary URL and must leave a complete file there. If it throws,
/// the temporary file is removed and the destination is untouched.
func writeAtomically(to url: URL, _ body: (URL) throws -> Void) throws {
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw MediaIOError(.io, file: url, "directory \(directory.path) does not exist")
    }
    // Same directory, so the rename stays on one file system and is atomic.
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
    do {
        try body(temporary)
        // The bytes must be on disk before the rename, or a crash could leave the new
        // name pointing at an empty file.
        try flushToDisk(temporary, reportingAs: url)
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    }
    if rename(temporary.path, url.path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw MediaIOError(.io, file: url, "could not move the finished file into place: \(reason)")
    }
}

private func flushToDisk(_ path: URL, reportingAs url: URL) throws {
    let descriptor = open(path.path, O_RDONLY)
    guard descriptor >= 0, fsync(descriptor) == 0 else {
        let reason = String(cString: strerror(errno))
        if descriptor >= 0 { close(descriptor) }
        throw MediaIOError(.io, file: url, "could not flush the new file to disk: \(reason)")
    }
    close(descriptor)
}

/// Throws the right error for a path we are about to read.
func requireReadableFile(_ url: URL) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw MediaIOError(.fileNotFound, file: url, "no such file")
    }
    if isDirectory.boolValue { throw MediaIOError(.fileNotFound, file: url, "is a directory, not a file") }
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue
    if size == 0 { throw MediaIOError(.emptyFile, file: url, "file is empty (0 bytes)") }
}

extension Data {
    /// Writes these bytes atomically (temporary file beside `url`, then rename).
    ///
    /// Use this instead of `write(to:options: .atomic)`: on Linux, Foundation's atomic write
    /// leaves an empty `TemporaryDirectory.*` folder in /tmp behind every call.
    public func writeAtomically(to url: URL) throws {
        try MediaIO.writeAtomically(to: url) { temporary in try write(to: temporary) }
    }
}
