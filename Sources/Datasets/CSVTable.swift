import Foundation
import MediaIO

/// A numeric CSV table with a header row: how per-frame labels (pose, factors) are stored.
public struct CSVTable: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// A fixed, locale-free number format, so equal values always give equal bytes.
    public static func format(_ x: Float) -> String { String(format: "%.6f", Double(x)) }

    public func text() -> String {
        ([columns] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public func write(to url: URL) throws {
        try Data(text().utf8).writeAtomically(to: url)
    }

    public static func read(_ url: URL) throws -> CSVTable {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DatasetError.unreadable(url, error.localizedDescription)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let header = lines.first else { throw DatasetError.unreadable(url, "empty CSV") }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        for (n, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns.count else {
                throw DatasetError.unreadable(url, "line \(n + 2) has \(cells.count) fields, the header has \(columns.count)")
            }
            rows.append(cells)
        }
        return CSVTable(columns: columns, rows: rows)
    }

    /// A numeric column by name.
    public func column(_ name: String, in url: URL) throws -> [Float] {
        guard let j = columns.firstIndex(of: name) else { throw DatasetError.unreadable(url, "no column '\(name)' (has \(columns.joined(separator: ", ")))") }
        return try rows.enumerated().map { n, row in
            guard let x = Float(row[j]) else { throw DatasetError.unreadable(url, "line \(n + 2): '\(row[j])' in column '\(name)' is not a number") }
            return x
        }
    }
}
