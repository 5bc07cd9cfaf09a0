import Foundation

extension FaceLandmarks {
    /// Reads an iBUG `.pts` file (`version: 1`, `n_points: 68`, then x y per line inside braces),
    /// the ground-truth format of 300-W and menpo.
    public static func readPTS(_ url: URL) throws -> FaceLandmarks {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            throw FaceTrackingError.unreadablePoints(url, "no { … } block of points")
        }
        var points: [SIMD2<Float>] = []
        for (row, line) in text[text.index(after: open)..<close].split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace).compactMap { Float($0) }
            guard fields.count == 2, fields.allSatisfy(\.isFinite) else {
                throw FaceTrackingError.unreadablePoints(url, "point \(row + 1) is not two finite numbers: '\(line)'")
            }
            points.append(SIMD2(fields[0], fields[1]))
        }
        guard points.count == FaceLandmarks.count else {
            throw FaceTrackingError.unreadablePoints(url, "\(points.count) points, not 68")
        }
        return FaceLandmarks(points: points)
    }
}
