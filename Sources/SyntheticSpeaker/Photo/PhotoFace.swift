import Datasets
import FaceTracking
import Foundation
import MediaIO

/// A photograph and the 68 landmarks of its face, as the tracker finds them: the still a
/// photo speaker is animated from.
public struct PhotoFace: Sendable {
    public let url: URL
    public let image: RGBImage
    /// In the photo's pixels, as the tracker gives them (a pixel's centre at whole numbers).
    public let landmarks: FaceLandmarks
    /// Every face the detector found, the animated one first.
    public let faces: [FaceBox]

    /// Reads `photo` (PNG, or any image ffmpeg reads) and finds its largest clear face.
    public init(photo: URL, tracker: FaceTracker) throws {
        let image = try PhotoFace.read(photo)
        let found = try tracker.detectFaces(in: image, upsample: 0...1)  // best score first
        guard let chosen = found.mainFace else { throw PhotoSpeakerError.noFace(photo) }
        self.url = photo
        self.image = image
        self.landmarks = try tracker.landmarks(in: image, face: chosen)
        self.faces = [chosen] + found.filter { $0 != chosen }
    }

    static func read(_ url: URL) throws -> RGBImage {
        let fm = FileManager.default
        switch InputFileProblem(at: url) {
        case .missing?: throw PhotoSpeakerError.missing(url)
        case let problem?: throw PhotoSpeakerError.unreadable(url, "\(problem)")
        case nil: break
        }
        if url.pathExtension.lowercased() == "png" {
            do { return RGBImage(try PNG.read(url)) } catch { throw PhotoSpeakerError.unreadable(url, "\(error)") }
        }
        // Other formats (JPEG …) through ffmpeg, as a one-frame video.
        let scratch = fm.temporaryDirectory.appendingPathComponent("talkingface-photo-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: scratch) }
        do {
            try Video.extractFrames(from: url, to: scratch)
            return try RGBImage(frame: 0, in: scratch)
        } catch {
            throw PhotoSpeakerError.unreadable(url, "\(error)")
        }
    }
}
