import Foundation

/// Why a photograph cannot become a speaker, naming the file.
public enum PhotoSpeakerError: Error, CustomStringConvertible, LocalizedError {
    case missing(URL)
    case unreadable(URL, String)
    case noFace(URL)

    public var description: String {
        switch self {
        case .missing(let url): return "\(url.path): no such file (the photograph to animate)"
        case .unreadable(let url, let why): return "\(url.path) is not a readable image: \(why)"
        case .noFace(let url):
            return "\(url.path): no face found (the tracker needs a frontal face at least about 40 pixels across)"
        }
    }
    public var errorDescription: String? { description }
}
