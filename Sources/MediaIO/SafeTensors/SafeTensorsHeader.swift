import Foundation

/// The JSON header of a safetensors file, checked against the file's size.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON, then the data section.
/// The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
/// (offsets relative to the data section) plus an optional "__metadata__" of strings.
struct SafeTensorsHeader {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        /// Byte range inside the data section.
        let begin: Int
        let end: Int
    }

    let entries: [Entry]
    let metadata: [String: String]
    /// Where the data section starts in the file (8 + N).
    let dataStart: Int

    /// Headers larger than this are not plausible (the reference implementation's limit).
    static let maximumHeaderBytes = 100_000_000

    /// Parses and validates the header in `bytes` (the whole file, typically memory-mapped).
    /// Offsets and sizes are checked here; dtype support is the reader's business.
    init(parsing bytes: Data, file: URL) throws {
        guard bytes.count >= 8 else {
            throw MediaIOError(.corrupt, file: file, "only \(bytes.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declared = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard declared <= UInt64(Self.maximumHeaderBytes) else {
            throw MediaIOError(.corrupt, file: file, "header length \(declared) is implausible (not a safetensors file?)")
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= bytes.count else {
            throw MediaIOError(
                .corrupt, file: file, "truncated: header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<dataStart))
        } catch {
            throw MediaIOError(.corrupt, file: file, "header is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw MediaIOError(.corrupt, file: file, "header JSON is not an object")
        }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else {
                    throw MediaIOError(.corrupt, file: file, key: name, "metadata must map strings to strings")
                }
                metadata = strings
                continue
            }
            entries.append(try Self.entry(name, value, dataSize: dataSize, file: file))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        // Tensors may not overlap (the format also forbids holes; we only need no overlap).
        // Empty tensors occupy no bytes and may sit anywhere.
        let occupying = entries.filter { $0.end > $0.begin }
        for (previous, next) in zip(occupying, occupying.dropFirst()) where next.begin < previous.end {
            throw MediaIOError(.corrupt, file: file, key: next.name, "data overlaps tensor '\(previous.name)'")
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(_ name: String, _ value: Any, dataSize: Int, file: URL) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw MediaIOError(.corrupt, file: file, key: name, "header entry is not an object")
        }
        guard let dtype = fields["dtype"] as? String else {
            throw MediaIOError(.corrupt, file: file, key: name, "header entry has no string 'dtype'")
        }
        guard let shape = nonNegativeIntegers(fields["shape"]) else {
            throw MediaIOError(.corrupt, file: file, key: name, "'shape' is not a list of non-negative integers")
        }
        guard let offsets = nonNegativeIntegers(fields["data_offsets"]), offsets.count == 2, offsets[0] <= offsets[1] else {
            throw MediaIOError(.corrupt, file: file, key: name, "'data_offsets' is not [begin, end] with begin ≤ end")
        }
        guard offsets[1] <= dataSize else {
            throw MediaIOError(
                .corrupt, file: file, key: name,
                "truncated: data ends at byte \(offsets[1]) of the data section but the file holds only \(dataSize)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    private static func nonNegativeIntegers(_ value: Any?) -> [Int]? {
        guard let numbers = value as? [NSNumber] else { return nil }
        var result: [Int] = []
        for number in numbers {
            let double = number.doubleValue
            guard double >= 0, double == double.rounded(), double < 0x1p53 else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}
