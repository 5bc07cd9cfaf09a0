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
    let temporary = directory.appendingPathComponent(partialName(of: url.lastPathComponent))
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

/// The temporary name `writeAtomically` builds `name` under: `.NAME.UUID.partial`.
private func partialName(of name: String) -> String { ".\(name).\(UUID().uuidString)\(partialSuffix)" }
private let partialSuffix = ".partial"

/// Whether `name` is one `partialName` made.
func isPartialName(_ name: String) -> Bool {
    guard name.hasPrefix("."), name.hasSuffix(partialSuffix) else { return false }
    let stem = name.dropFirst().dropLast(partialSuffix.count)  // NAME.UUID
    guard let dot = stem.lastIndex(of: "."), dot > stem.startIndex else { return false }
    return UUID(uuidString: String(stem[stem.index(after: dot)...])) != nil
}

/// Removes the temporary files a killed `writeAtomically` left in `directory` (only names
/// of its own pattern `.NAME.UUID.partial`, only regular files, not in subfolders), so
/// they do not pile up in a folder written over and over, such as a training run's. Call
/// it when no other writer is at work in the folder. Returns the names removed.
@discardableResult
public func removeStalePartialFiles(in directory: URL) -> [String] {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return [] }
    return names.filter(isPartialName).sorted().filter { name in
        let url = directory.appendingPathComponent(name)
        guard (try? fm.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType) == .typeRegular else { return false }
        return (try? fm.removeItem(at: url)) != nil
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
