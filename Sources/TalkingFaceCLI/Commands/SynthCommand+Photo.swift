import FaceTracking
import Foundation
import Logging
import SyntheticSpeaker

extension SynthCommand {
    /// The photograph `synth --photo` animates, with its face found; says so when there are
    /// several faces (the largest clear one is taken).
    func loadPhotoFace(_ path: String, logger: Logger) throws -> PhotoFace {
        let face = try PhotoFace(photo: URL(fileURLWithPath: path), tracker: FaceTracker())
        func describe(_ box: FaceBox) -> String {
            String(format: "%.0f×%.0f pixels at (%.0f, %.0f), score %.2f", box.width, box.height, box.left, box.top, box.score)
        }
        if face.faces.count > 1 {
            logger.warning("\(path): \(face.faces.count) faces found (\(face.faces.map(describe).joined(separator: "; "))); animating the first, the largest with a score of at least 0")
        } else {
            logger.info("\(path): face \(describe(face.faces[0]))")
        }
        return face
    }
}
