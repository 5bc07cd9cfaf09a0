import Foundation

/// The project's JSON files (meta.json, options, reports): pretty-printed, sorted keys,
/// unescaped slashes, a trailing newline, written atomically. Equal values give equal bytes.
public enum JSONFile {
    /// `configure` adjusts the encoder for one file kind (key strategy, NaN spelling).
    public static func write<Value: Encodable>(
        _ value: Value, to url: URL, configure: (JSONEncoder) -> Void = { _ in }
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        configure(encoder)
        try (encoder.encode(value) + Data("\n".utf8)).writeAtomically(to: url)
    }
}
