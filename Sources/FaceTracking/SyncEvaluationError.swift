import Foundation

/// Why a video's audio-visual sync cannot be measured, naming the file at fault.
public enum SyncEvaluationError: Error, CustomStringConvertible, LocalizedError {
    case noSuchFile(URL)
    case noVideoStream(URL)
    /// A folder or an empty file, said in words.
    case notAVideo(URL, String)
    case noAudioStream(URL)
    case silentAudio(URL)
    case noFace(URL, frames: Int)
    case tooShort(URL, frames: Int)

    public var description: String {
        switch self {
        case .noSuchFile(let url): return "\(url.path): no such file"
        case .noVideoStream(let url): return "\(url.path) has no video stream: --sync takes a video of a face with speech"
        case .notAVideo(let url, let why): return "\(url.path): \(why); --sync takes a video of a face with speech"
        case .noAudioStream(let url):
            return "\(url.path) has no audio stream: give the speech as a separate file with --audio WAV"
        case .silentAudio(let url): return "\(url.path): the audio is silent, so there is no loudness to follow"
        case .noFace(let url, let frames):
            return "\(url.path): no face found in any of its \(frames) frames (dlib's frontal face detector: the face must be roughly frontal)"
        case .tooShort(let url, let frames):
            return "\(url.path): only \(frames) frames have both a face and sound; a correlation needs at least 3"
        }
    }
    public var errorDescription: String? { description }
}
