import DiffusionAutoencoder
import Foundation
import MediaIO
import Datasets

/// What `talkingface probe` reports: held-out R² of ridge probes from each latent part to
/// each factor group, and DCI scores. NaN (no such factor, or a constant one on the held-out
/// frames) is written as the JSON string "NaN".
public struct ProbeReport: Codable, Sendable {
    public var split: LatentSplit
    /// True when the model has no trained split and z_sem was cut into thirds to compare.
    public var splitIsThirds: Bool
    /// Row labels: the three parts, then "all" (the whole z_sem).
    public var parts: [String]
    public var partSizes: [Int]
    public var groups: [FactorGroup]
    /// parts × groups: mean held-out R² over the group's factor columns.
    public var r2: [[Double]]
    /// part → factor column → held-out R².
    public var factorR2: [String: [String: Double]]
    /// DCI with every z_sem channel a code and pose/expression columns plus identity (its
    /// columns' mean importance) as factors, from the "all" probe's importances.
    public var dciChannels: DCIScores
    /// DCI with the three parts as codes and the groups as factors: importance summed over a
    /// part's channels, averaged over a group's columns (`partImportance`).
    public var dciParts: DCIScores
    public var partImportance: [[Double]]  // 3 parts × groups
    /// Frames used: fit, validation (λ choice), held-out test.
    public var frames: [String: Int]
    public var speakers: [String]

    /// A fixed-width text table (R² per part and group), then the DCI scores.
    public func table() -> String {
        // Columns 12 wide: the widest group name ("expression") keeps a gap before it.
        func cell(_ x: Double) -> String { x.isFinite ? String(format: "%12.3f", x) : String(repeating: " ", count: 11) + "–" }
        var lines = ["held-out R² of ridge probes" + (splitIsThirds ? " (unsplit z_sem cut into thirds)" : "")
                     + ", \(frames["fit"] ?? 0) fit / \(frames["validation"] ?? 0) validation / \(frames["test"] ?? 0) test frames"]
        func rightAligned(_ s: String) -> String { String(repeating: " ", count: Swift.max(0, 12 - s.count)) + s }
        lines.append("part    dims" + groups.map { rightAligned($0.rawValue) }.joined())
        for (i, part) in parts.enumerated() {
            lines.append(part.padding(toLength: 6, withPad: " ", startingAt: 0) + String(format: "%6d", partSizes[i]) + r2[i].map(cell).joined())
        }
        lines.append(String(format: "DCI over channels: disentanglement %.3f, completeness %.3f", dciChannels.disentanglement, dciChannels.completeness))
        lines.append(String(format: "DCI over parts:    disentanglement %.3f, completeness %.3f", dciParts.disentanglement, dciParts.completeness))
        return lines.joined(separator: "\n")
    }

    public func writeJSON(to url: URL) throws {
        try JSONFile.write(self, to: url) { encoder in
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        }
    }

    public static func read(_ url: URL) throws -> ProbeReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do { return try decoder.decode(ProbeReport.self, from: Data(contentsOf: url)) } catch {
            throw DatasetError.unreadable(url, "not a probe report: \(error)")
        }
    }
}
