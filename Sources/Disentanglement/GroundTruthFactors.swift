import DiffusionAutoencoder
import Foundation
import Datasets
import DrawnFace

/// The factor groups a latent part is meant to carry (docs/architecture.md §8).
public enum FactorGroup: String, CaseIterable, Codable, Sendable {
    case identity, pose, expression

    /// Per-frame factor columns (`factors.csv`); identity columns come from `identityValues`.
    public var frameColumns: [String] {
        switch self {
        case .identity: return []
        case .pose: return ["yaw", "pitch", "roll"]
        case .expression: return ["jaw_open", "lip_width", "lip_rounding", "smile", "blink", "brow_raise"]
        }
    }
}

/// Ground-truth factors of one speaker data set, per frame: pose and expression from
/// `factors.csv` (pose alone from `pose.csv` when there is no factors.csv) and the identity
/// from `meta.json`'s `source.identity` (a synthetic speaker's `FaceIdentity`), repeated on
/// every frame. Absent groups are nil.
///
/// With an identity, the expression's smile is the smile beyond the speaker's rest smile:
/// the generator draws smile = rest smile + drift, and the rest smile is an identity value
/// (`rest_smile`), so counting it in both groups would ask z_exp for identity (half of the
/// smile's variance over our four speakers is between speakers).
public struct GroundTruthFactors {
    /// Column names per group, and values (frames, columns) per group.
    public var columns: [FactorGroup: [String]] = [:]
    public var values: [FactorGroup: Matrix] = [:]

    public init(_ dataset: SpeakerDataset) throws {
        let n = dataset.frameCount
        let csvURL = dataset.root.appendingPathComponent("factors.csv")
        if FileManager.default.fileExists(atPath: csvURL.path) {
            let table = try CSVTable.read(csvURL)
            guard table.rows.count >= n else {
                throw DatasetError.mismatch("\(csvURL.path) has \(table.rows.count) rows for \(n) frames")
            }
            for group in [FactorGroup.pose, .expression] {
                let cols = try group.frameColumns.map { try table.column($0, in: csvURL).prefix(n).map(Double.init) }
                set(group, names: group.frameColumns, columns: cols)
            }
        } else if let pose = dataset.pose {
            set(.pose, names: FactorGroup.pose.frameColumns,
                columns: [pose.yaw, pose.pitch, pose.roll].map { $0.prefix(n).map(Double.init) })
        }
        if let json = dataset.meta.source?["identity"] {
            let identity: FaceIdentity
            do { identity = try JSONDecoder().decode(FaceIdentity.self, from: Data(json.utf8)) } catch {
                throw DatasetError.unreadable(dataset.root.appendingPathComponent("meta.json"), "source.identity is not a face identity: \(error)")
            }
            let named = GroundTruthFactors.identityValues(identity)
            set(.identity, names: named.map(\.0), columns: named.map { [Double](repeating: Double($0.1), count: n) })
            if var expression = values[.expression], let c = columns[.expression]?.firstIndex(of: "smile") {
                for r in 0..<expression.rows { expression[r, c] -= Double(identity.restSmile) }
                values[.expression] = expression
            }
        }
    }

    private mutating func set(_ group: FactorGroup, names: [String], columns cols: [[Double]]) {
        let n = cols.first?.count ?? 0
        var m = Matrix(rows: n, columns: cols.count)
        for (c, column) in cols.enumerated() { for r in 0..<n { m[r, c] = column[r] } }
        columns[group] = names
        values[group] = m
    }

    /// Every number of a face identity, named (colours as three channels).
    public static func identityValues(_ f: FaceIdentity) -> [(String, Float)] {
        var out: [(String, Float)] = [
            ("head_width", f.headWidth), ("head_depth", f.headDepth), ("scale", f.scale), ("eye_spacing", f.eyeSpacing),
            ("eye_height", f.eyeHeight), ("eye_size", f.eyeSize), ("mouth_width", f.mouthWidth), ("nose_size", f.noseSize),
            ("brow_tilt", f.browTilt), ("hairline", f.hairline), ("fringe", f.fringe), ("hair_volume", f.hairVolume),
            ("rest_smile", f.restSmile),
        ]
        for (name, colour) in [("skin", f.skin), ("hair", f.hair), ("iris", f.iris), ("lips", f.lips),
                               ("background", f.background), ("shirt", f.shirt)] {
            out += [(name + "_r", colour.x), (name + "_g", colour.y), (name + "_b", colour.z)]
        }
        return out
    }
}
