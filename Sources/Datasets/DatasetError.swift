import Foundation

public enum DatasetError: Error, CustomStringConvertible {
    case notADataset(URL, String)
    case unreadable(URL, String)
    /// A path that must be a folder is a file: the path and what the folder should hold.
    case notAFolder(URL, holding: String)
    case frameMissing(URL, Int)
    case mismatch(String)
    /// A value in a file that cannot be used: the file, the key (or row, or frame) and why.
    case invalid(URL, key: String, String)

    public var description: String {
        switch self {
        case .notADataset(let url, let why): return "\(url.path) is not a speaker data set: \(why)"
        case .unreadable(let url, let why): return "cannot read \(url.path): \(why)"
        case .notAFolder(let url, let what): return "\(url.path) is a file, not a folder of \(what)"
        case .frameMissing(let url, let i): return "frame \(i) is missing in \(url.path)"
        case .mismatch(let why): return why
        case .invalid(let url, let key, let why): return "\(url.path): \(key): \(why)"
        }
    }
}
