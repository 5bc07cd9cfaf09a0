import Foundation
import MediaIO

/// A pixel rectangle, x/y from the top-left.
public struct CropRect: Codable, Equatable, Sendable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// `meta.json` of a speaker data set (docs/architecture.md §10). Keys are snake_case on disk.
public struct DatasetMeta: Codable, Equatable, Sendable {
    public var fps: Double
    /// The face region of each frame; nil means the largest centred square.
    public var crop: CropRect?
    public var frameCount: Int?
    public var width: Int?
    public var height: Int?
    /// Angles in `pose.csv`: "radians" (ours) or "degrees".
    public var poseUnits: String?
    /// Free-form provenance (generator, seed, voice, identity …).
    public var source: [String: String]?

    public init(fps: Double, crop: CropRect? = nil, frameCount: Int? = nil, width: Int? = nil, height: Int? = nil,
                poseUnits: String? = "radians", source: [String: String]? = nil) {
        self.fps = fps
        self.crop = crop
        self.frameCount = frameCount
        self.width = width
        self.height = height
        self.poseUnits = poseUnits
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case fps, crop, width, height, source
        case frameCount = "frame_count"
        case poseUnits = "pose_units"
    }

    /// Sorted keys and fixed formatting: equal metadata gives equal bytes.
    public func write(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }

    /// Reads and checks (`validate`) a data set's `meta.json`.
    public static func read(_ url: URL) throws -> DatasetMeta {
        let meta: DatasetMeta
        do { meta = try JSONDecoder().decode(DatasetMeta.self, from: Data(contentsOf: url)) } catch {
            throw DatasetError.unreadable(url, "\(error)")
        }
        try meta.validate(url)
        return meta
    }
}

/// Head pose per frame, `pose.csv` with columns frame, yaw, pitch, roll.
public struct PoseTrack: Equatable, Sendable {
    public var yaw, pitch, roll: [Float]  // (T,) each, radians
    public var count: Int { yaw.count }

    public init(yaw: [Float], pitch: [Float], roll: [Float]) {
        precondition(yaw.count == pitch.count && pitch.count == roll.count, "pose columns differ in length")
        self.yaw = yaw
        self.pitch = pitch
        self.roll = roll
    }

    public init(_ poses: [HeadPose]) {
        self.init(yaw: poses.map(\.yaw), pitch: poses.map(\.pitch), roll: poses.map(\.roll))
    }

    public subscript(frame: Int) -> HeadPose { HeadPose(yaw: yaw[frame], pitch: pitch[frame], roll: roll[frame]) }

    public func write(to url: URL) throws {
        var table = CSVTable(columns: ["frame", "yaw", "pitch", "roll"])
        for i in 0..<count { table.rows.append([String(i)] + [yaw[i], pitch[i], roll[i]].map(CSVTable.format)) }
        try table.write(to: url)
    }

    /// Reads `pose.csv`; `degrees` converts to radians. Every angle is checked (see `angles`).
    public static func read(_ url: URL, degrees: Bool = false) throws -> PoseTrack {
        try angles(of: try CSVTable.read(url), in: url, degrees: degrees)
    }
}
