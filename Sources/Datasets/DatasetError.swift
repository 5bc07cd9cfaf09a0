import Foundation

public enum DatasetError: Error, CustomStringConvertible {
    case notADataset(URL, String)
    case unreadable(URL, String)
    case frameMissing(URL, Int)
    case mismatch(String)

    public var description: String {
        switch self {
        case .notADataset(let url, let why): return "\(url.path) is not a speaker data set: \(why)"
        case .unreadable(let url, let why): return "cannot read \(url.path): \(why)"
        case .frameMissing(let url, let i): return "frame \(i) is missing in \(url.path)"
        case .mismatch(let why): return why
        }
    }
}
