import Foundation

/// What stops a recording from becoming a data set, with the frames or file at fault.
public enum FacePreparationError: Error, CustomStringConvertible, LocalizedError {
    /// `source`: the recording, when the caller knows it.
    case noFace(frames: Int, source: URL? = nil)
    case faceLost(first: Int, last: Int, fps: Double)
    case outputExists(URL)
    case invalidOption(String)

    public var description: String {
        switch self {
        case .noFace(let frames, let source):
            return (source.map { "\($0.path): " } ?? "") + "no face found in any of the \(frames) frames (dlib's frontal face detector: the face must be roughly frontal and at least about 40 pixels wide)"
        case .faceLost(let first, let last, let fps):
            return String(format: "the face is lost in frames %d–%d (%.2f s, more than a second): cut the clip there or give a clip where the face stays in view",
                          first, last, Double(last - first + 1) / fps)
        case .outputExists(let url):
            return "\(url.path) already exists: choose another --out (prepare never writes into an existing folder)"
        case .invalidOption(let why): return why
        }
    }
    public var errorDescription: String? { description }
}
