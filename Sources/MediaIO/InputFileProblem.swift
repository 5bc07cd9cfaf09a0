import Foundation

/// Why a path cannot be read as an input file before any decoder sees it: missing, a folder,
/// or empty. Lets a reader say so in words instead of passing on a decoder's or Foundation's
/// message about it.
public enum InputFileProblem: Equatable, Sendable, CustomStringConvertible {
    case missing, folder, empty

    /// nil when `url` is a file with at least one byte.
    public init?(at url: URL) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { self = .missing; return }
        if isDirectory.boolValue { self = .folder; return }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue
        guard size == 0 else { return nil }
        self = .empty
    }

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .folder: return "a folder, not a file"
        case .empty: return "the file is empty (0 bytes)"
        }
    }
}
