import Foundation

/// What stops a generated face from going back into a video, naming the video.
public enum PasteBackError: Error, CustomStringConvertible, LocalizedError {
    case videoMissing(URL)
    case unreadableVideo(URL, String)
    /// No face in the video, or the face lost for more than a second.
    case face(URL, FacePreparationError)
    case ffmpegMissing
    case badCrop(URL, String)

    public var description: String {
        switch self {
        case .videoMissing(let url):
            return "\(url.path) does not exist (the video to paste the face into)"
        case .unreadableVideo(let url, let why):
            return "cannot read \(url.path) as a video: \(why)"
        case .face(let url, let error):
            return "\(url.path): \(error)"
        case .ffmpegMissing:
            return "pasting into a video needs ffmpeg and ffprobe on PATH (Debian: sudo apt-get install ffmpeg)"
        case .badCrop(let url, let why):
            return "\(url.path): \(why)"
        }
    }
    public var errorDescription: String? { description }
}
