import Foundation

extension PoseTrack {
    /// Largest |angle| accepted, in radians: π, with room for a value of π rounded to six decimals.
    public static let maxAngle: Float = .pi + 1e-3

    /// What to tell a user whose radians look like degrees, when the caller does not say.
    public static let degreesHint = "if the file holds degrees, declare them (\"pose_units\": \"degrees\" in a data set's meta.json, --pose-degrees on the command line)"

    /// The yaw, pitch and roll columns of `table` (read from `url`) in radians, checked row by
    /// row: numbers, finite, |angle| ≤ π, and (when there is a `frame` column) frames
    /// numbered 0, 1, 2, … in order. `degrees` converts; `degreesHint` ends the message for
    /// an angle beyond π given as radians. Errors are `DatasetError.invalid` naming the line.
    public static func angles(of table: CSVTable, in url: URL, degrees: Bool, degreesHint: String = PoseTrack.degreesHint) throws -> PoseTrack {
        if let frame = table.columns.firstIndex(of: "frame") {
            for (n, row) in table.rows.enumerated() where Int(row[frame]) != n {
                throw DatasetError.invalid(url, key: "line \(n + 2)", "frame '\(row[frame])', expected \(n) (frames numbered from 0, in order)")
            }
        }
        let scale: Float = degrees ? .pi / 180 : 1
        var columns: [[Float]] = []
        for name in ["yaw", "pitch", "roll"] {
            let values = try table.column(name, in: url)
            for (n, value) in values.enumerated() {
                let place = "line \(n + 2), '\(name)'"
                guard value.isFinite else { throw DatasetError.invalid(url, key: place, "\(value) is not a finite angle") }
                guard abs(value * scale) <= maxAngle else {
                    let reason = degrees ? "\(value) degrees is outside ±180"
                                         : "\(value) is outside ±π radians; \(degreesHint)"
                    throw DatasetError.invalid(url, key: place, reason)
                }
            }
            columns.append(values.map { $0 * scale })
        }
        return PoseTrack(yaw: columns[0], pitch: columns[1], roll: columns[2])
    }
}
