import Foundation

/// A command's output path, checked before any work: it must lie apart from every input
/// (not equal to one, inside one, or holding one, with symlinks and `..` resolved), and
/// what already stands there may be replaced only when it is this command's kind of
/// output, or with `force`. Then the output is written so that a failure leaves nothing
/// half-made: `writeWhole` builds it beside its place and renames it in; `writeInPlace`
/// (training runs that resume, writers that stage their own files) removes what it created.
public struct OutputTarget: Sendable {
    /// The output as given (absolute, `.` and `..` taken out).
    public let url: URL
    public let kind: OutputKind
    /// The option that named it (`--out`, `--json`, …), for messages.
    public let option: String

    public init(_ path: String, option: String = "--out", kind: OutputKind, inputs: [URL], force: Bool) throws {
        guard !path.isEmpty else {
            throw OutputError("\(option) is empty: give the \(kind.isFolder ? "folder" : "file") to write")
        }
        self.url = URL(fileURLWithPath: path).standardizedFileURL  // "out/." and "a/../out" name out
        self.kind = kind
        self.option = option
        for place in places {
            try checkApart(place, from: inputs)
            try checkReplaceable(place, force: force)
        }
        try checkParentWritable()
    }

    /// Where the output lands: the path, and for `generate`'s NAME.mp4 also the folder NAME/.
    var places: [URL] {
        if case .generatedVideo = kind {
            let places = Speaker.outputPlaces(url)
            if places.video == url { return [url, places.folder] }
        }
        return [url]
    }

    // MARK: - Checks

    private func checkApart(_ place: URL, from inputs: [URL]) throws {
        let output = Self.resolvedPath(place)
        for input in inputs {
            let resolved = Self.resolvedPath(input)
            let relation: String? =
                if output == resolved { "is the input \(input.path)" }
                else if Self.isInside(output, resolved) { "lies inside the input \(input.path)" }
                else if Self.isInside(resolved, output) { "contains the input \(input.path)" }
                else { nil }
            if let relation {
                throw OutputError("\(option) \(place.path) \(relation); an output must lie apart from what the command reads: choose another path")
            }
        }
    }

    private func checkReplaceable(_ place: URL, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: place.path, isDirectory: &isDirectory) else { return }
        // generate's NAME.mp4 is a file, the NAME/ beside it a folder
        let wantsFolder = places.count == 2 ? place != url : kind.isFolder
        if isDirectory.boolValue != wantsFolder {
            throw OutputError(isDirectory.boolValue
                ? "\(option) \(place.path) is a folder; this command writes a file there: give a file name"
                : "\(option) \(place.path) is a file; this command writes a folder there: give a folder name")
        }
        if force || kind.recognises(place) { return }
        throw OutputError("\(option) \(place.path) already exists and is not \(kind.noun); choose another path, or give --force to replace it")
    }

    private func checkParentWritable() throws {
        let (existing, _) = Self.deepestExisting(url.deletingLastPathComponent())
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError("\(option) \(url.path): \(existing.path) is a file, not a folder")
        }
        guard access(existing.path, W_OK) == 0 else {
            throw OutputError("\(option) \(url.path): cannot write in \(existing.path): \(OutputError.systemReason())")
        }
    }

    // MARK: - Writing

    /// Runs `body` with a temporary path beside the output (`.NAME.UUID.partial`, not yet
    /// created) to write the whole output at, then renames it into place, replacing what
    /// stood there only now. On failure the temporary output and any parent folders made
    /// for it are removed, and what stood there is untouched.
    public func writeWhole<T>(_ body: (URL) throws -> T) throws -> T {
        let created = try createParents()
        let staging = Self.temporarySibling(of: url, "partial")
        do {
            let result = try body(staging)
            try moveIntoPlace(staging)
            return result
        } catch {
            try? FileManager.default.removeItem(at: staging)
            Self.removeEmptyFolders(created)
            throw error
        }
    }

    /// Runs `body`, which writes the output at `url` itself (a training run that resumes, a
    /// writer that stages its own files). On failure, an output folder this call created is
    /// removed unless it holds something worth resuming, and so are parent folders made for it.
    public func writeInPlace<T>(_ body: () throws -> T) throws -> T {
        let created = try createParents()
        let existed = places.map { Self.linkExists($0) }
        do {
            return try body()
        } catch {
            let fm = FileManager.default
            for (place, existed) in zip(places, existed) where !existed {
                if kind.worthKeeping.contains(where: { fm.fileExists(atPath: place.appendingPathComponent($0).path) }) { continue }
                try? fm.removeItem(at: place)
            }
            Self.removeEmptyFolders(created)
            throw error
        }
    }

    private func moveIntoPlace(_ staging: URL) throws {
        guard Self.linkExists(staging) else { throw OutputError("\(url.path): the command wrote nothing") }
        guard Self.linkExists(url) else {
            guard rename(staging.path, url.path) == 0 else { throw moveError() }
            return
        }
        let old = Self.temporarySibling(of: url, "old.partial")
        guard rename(url.path, old.path) == 0 else { throw moveError() }
        guard rename(staging.path, url.path) == 0 else {
            let error = moveError()
            _ = rename(old.path, url.path)
            throw error
        }
        try? FileManager.default.removeItem(at: old)
    }

    private func moveError() -> OutputError {
        OutputError("\(url.path): could not move the finished output into place: \(OutputError.systemReason())")
    }

    /// Makes the missing folders above the output, outermost first; returns them.
    private func createParents() throws -> [URL] {
        let (_, missing) = Self.deepestExisting(url.deletingLastPathComponent())
        var created: [URL] = []
        for folder in missing {
            guard mkdir(folder.path, 0o777) == 0 else {
                let reason = OutputError.systemReason()
                Self.removeEmptyFolders(created)
                throw OutputError("\(option) \(url.path): cannot create the folder \(folder.path): \(reason)")
            }
            created.append(folder)
        }
        return created
    }

    // MARK: - Paths

    /// `path` with symlinks and `..` resolved; for a path that does not exist (yet), its
    /// deepest existing ancestor resolved and the rest appended.
    static func resolvedPath(_ url: URL) -> String {
        var current = url.path
        var rest: [String] = []
        while true {
            if let real = realpath(current, nil) {
                defer { free(real) }
                let base = String(cString: real)
                let joined = rest.reversed().reduce(base) { ($0.hasSuffix("/") ? $0 : $0 + "/") + $1 }
                return URL(fileURLWithPath: joined).standardizedFileURL.path
            }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return url.standardizedFileURL.path }
            rest.append((current as NSString).lastPathComponent)
            current = parent
        }
    }

    /// Whether `path` lies strictly inside the folder `folder` (both resolved).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        path.hasPrefix(folder == "/" ? "/" : folder + "/") && path != folder
    }

    /// The deepest folder (or file) above or at `url` that exists, and the missing ones
    /// below it down to `url`, outermost first.
    private static func deepestExisting(_ url: URL) -> (existing: URL, missing: [URL]) {
        var current = url.standardizedFileURL
        var missing: [URL] = []
        while !FileManager.default.fileExists(atPath: current.path) && current.path != "/" {
            missing.insert(current, at: 0)
            current = current.deletingLastPathComponent()
        }
        return (current, missing)
    }

    private static func linkExists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }

    private static func temporarySibling(of url: URL, _ suffix: String) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).\(suffix)")
    }

    private static func removeEmptyFolders(_ folders: [URL]) {
        for folder in folders.reversed() { _ = rmdir(folder.path) }
    }
}
