import Foundation
import MediaIO

extension DatasetMeta {
    /// The values `pose_units` may take (absent means radians).
    public static let poseUnitValues = ["radians", "degrees"]
    /// Largest frame side and frame rate accepted: far above any video, far below what
    /// would overflow a size computation.
    public static let maxImageSide = 16384, maxFPS = 1000.0

    /// Whether `pose.csv` holds degrees (`pose_units` is "degrees").
    public var poseInDegrees: Bool { poseUnits == "degrees" }

    /// Throws `DatasetError.invalid` naming `url` and the first key that cannot be used:
    /// fps finite and in (0, 1000], a known `pose_units`, positive sane sizes, and a crop
    /// of positive size that starts inside the frame (and ends inside it, when `width`
    /// and `height` are given; `SpeakerDataset` checks it against the frames themselves).
    public func validate(_ url: URL) throws {
        func check(_ ok: Bool, _ key: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw DatasetError.invalid(url, key: "'\(key)'", reason()) }
        }
        let sides = 1...Self.maxImageSide
        try check(fps.isFinite && fps > 0 && fps <= Self.maxFPS, "fps", "\(fps) frames per second; must be finite and in (0, \(Int(Self.maxFPS))]")
        try check(poseUnits.map { Self.poseUnitValues.contains($0) } ?? true, "pose_units",
                  "\"\(poseUnits ?? "")\" is not a known unit (\(Self.poseUnitValues.joined(separator: " or ")))")
        if let width { try check(sides.contains(width), "width", "\(width) pixels; must be in 1…\(Self.maxImageSide)") }
        if let height { try check(sides.contains(height), "height", "\(height) pixels; must be in 1…\(Self.maxImageSide)") }
        if let frameCount { try check(frameCount >= 0, "frame_count", "\(frameCount) is negative") }
        if let crop {
            try check(sides.contains(crop.width) && sides.contains(crop.height), "crop",
                      "\(crop.width)×\(crop.height) pixels; width and height must be in 1…\(Self.maxImageSide)")
            try check(crop.x >= 0 && crop.y >= 0, "crop", "starts at (\(crop.x), \(crop.y)), outside the frame")
            if let width, let height { try requireCrop(crop, inside: width, height, url) }
        }
    }

    /// Throws unless `frames` holds at least the `frame_count` frames meta.json declares (more
    /// frames than declared are read; fewer mean frames were lost, as in a copy cut short).
    func requireFrameCount(found: Int, in frames: URL, _ url: URL) throws {
        guard let frameCount, frameCount > found else { return }
        throw DatasetError.invalid(url, key: "'frame_count'",
                                   "\(frameCount) frames, but \(frames.path) holds \(found) (00000.png … \(Video.frameName(found - 1))); frames are missing")
    }

    /// Throws unless `crop` lies inside a `width`×`height` frame.
    func requireCrop(_ crop: CropRect, inside width: Int, _ height: Int, _ url: URL) throws {
        guard crop.x >= 0, crop.y >= 0, crop.x + crop.width <= width, crop.y + crop.height <= height else {
            throw DatasetError.invalid(url, key: "'crop'", "x \(crop.x), y \(crop.y), \(crop.width)×\(crop.height) does not lie inside the \(width)×\(height) frames")
        }
    }
}
