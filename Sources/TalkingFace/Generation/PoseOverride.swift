import Autodiff
import Foundation
import Datasets

/// What to do when a pose override's length differs from the speech's frame count.
public enum PoseFit: String, CaseIterable, Sendable {
    /// Refuse: the lengths must match.
    case error
    /// Cut a longer track to the speech (a shorter one is still an error).
    case trim
    /// Repeat the track from its start until it covers the speech, then cut.
    case loop
}

/// Where the head pose of generated frames comes from.
public enum GenerationPose: Sendable {
    /// The speech-to-latent model's prediction.
    case predicted
    /// The given track, in radians (the data-set `PoseTrack` convention), fitted to the
    /// speech's length by `fit`; `source` names its file in errors.
    case override(PoseTrack, fit: PoseFit = .error, source: URL? = nil)
}

extension PoseFit {
    /// `track` fitted to `frames` frames, or an error naming `source` and both lengths.
    public func apply(_ track: PoseTrack, frames: Int, source: URL?) throws -> PoseTrack {
        if track.count == frames { return track }
        guard track.count > 0 else { throw SpeakerError(file: source, "the pose track is empty; the speech has \(frames) frames") }
        switch self {
        case .error:
            throw SpeakerError(file: source, "\(track.count) pose rows for speech of \(frames) video frames; "
                               + "make them match, or choose --pose-fit trim (cut a longer track) or loop (repeat it)")
        case .trim:
            guard track.count > frames else {
                throw SpeakerError(file: source, "\(track.count) pose rows cannot be trimmed to \(frames) frames (too short; try --pose-fit loop)")
            }
            return PoseTrack(yaw: Array(track.yaw.prefix(frames)), pitch: Array(track.pitch.prefix(frames)), roll: Array(track.roll.prefix(frames)))
        case .loop:
            let index = (0..<frames).map { $0 % track.count }
            return PoseTrack(yaw: index.map { track.yaw[$0] }, pitch: index.map { track.pitch[$0] }, roll: index.map { track.roll[$0] })
        }
    }
}

extension PoseTrack {
    /// The columns a pose file must have, in this order.
    public static let columns = ["frame", "yaw", "pitch", "roll"]

    /// A pose override file: exactly the columns frame, yaw, pitch, roll, frames numbered
    /// 0, 1, 2, … in order, finite angles within ±π radians (or ±180 degrees when `degrees`).
    /// Errors name the file and the line.
    public static func readOverride(_ url: URL, degrees: Bool = false) throws -> PoseTrack {
        let table: CSVTable
        do { table = try CSVTable.read(url) } catch let error as DatasetError { throw SpeakerError(file: url, Self.reason(error)) }
        guard table.columns == columns else {
            throw SpeakerError(file: url, "columns are \(table.columns.joined(separator: ", ")); a pose file has \(columns.joined(separator: ", ")) (one row per video frame)")
        }
        guard !table.rows.isEmpty else { throw SpeakerError(file: url, "no pose rows after the header") }
        for (n, row) in table.rows.enumerated() where Int(row[0]) != n {
            throw SpeakerError(file: url, "line \(n + 2): frame '\(row[0])', expected \(n) (frames numbered from 0, in order)")
        }
        do {
            return try angles(of: table, in: url, degrees: degrees, degreesHint: "if the file holds degrees, pass --pose-degrees")
        } catch let error as DatasetError { throw SpeakerError(file: url, Self.reason(error)) }
    }

    /// (T, 3): yaw, pitch, roll per frame, the speech-to-latent model's pose layout.
    public func tensor() -> Tensor {
        Tensor(shape: [count, 3], values: (0..<count).flatMap { [yaw[$0], pitch[$0], roll[$0]] })
    }

    /// From (T, 3) yaw, pitch, roll rows.
    public init(tensor: Tensor) {
        precondition(tensor.rank == 2 && tensor.size(1) == 3, "pose \(tensor.shape), expected (T, 3)")
        let v = tensor.values
        let t = tensor.size(0)
        self.init(yaw: (0..<t).map { v[3 * $0] }, pitch: (0..<t).map { v[3 * $0 + 1] }, roll: (0..<t).map { v[3 * $0 + 2] })
    }

    /// The data-set error's reason without its "cannot read PATH:" prefix (the SpeakerError names the file).
    private static func reason(_ error: DatasetError) -> String {
        if case .unreadable(_, let why) = error { return why }
        if case .invalid(_, let key, let why) = error { return "\(key): \(why)" }
        return error.description
    }
}
