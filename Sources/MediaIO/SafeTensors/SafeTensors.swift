import Autodiff
import Foundation

/// Hugging Face safetensors files: how we import Wav2Vec2/HuBERT weights and converted
/// DiffAE checkpoints. Reads F32, F16, BF16 and F64 as Float32 tensors; writes F32.
public enum SafeTensors {
    /// All float tensors of `url`, converted to Float32.
    ///
    /// Integer and bool tensors (e.g. a saved `position_ids` buffer) are an error naming
    /// the key, unless `skippingNonFloat` is set, in which case they are left out.
    public static func read(_ url: URL, skippingNonFloat: Bool = false) throws -> [String: Tensor] {
        let bytes = try mappedContents(of: url)
        let header = try SafeTensorsHeader(parsing: bytes, file: url)
        var tensors: [String: Tensor] = [:]
        try bytes.withUnsafeBytes { (file: UnsafeRawBufferPointer) in
            for entry in header.entries {
                guard let dtype = SafeTensorsDType(rawValue: entry.dtype) else {
                    if SafeTensorsDType.integerNames.contains(entry.dtype) {
                        if skippingNonFloat { continue }
                        throw MediaIOError(
                            .unsupported, file: url, key: entry.name,
                            "dtype \(entry.dtype) is not a float type (read with skippingNonFloat: true to leave it out)")
                    }
                    throw MediaIOError(.unsupported, file: url, key: entry.name, "unknown dtype '\(entry.dtype)'")
                }
                // Checked products: a hostile header must not overflow into a small count.
                let count = checkedProduct(entry.shape)
                let byteCount = count.flatMap { checkedProduct([$0, dtype.byteCount]) }
                guard let count, let byteCount, entry.end - entry.begin == byteCount else {
                    throw MediaIOError(
                        .corrupt, file: url, key: entry.name,
                        "shape \(entry.shape) of \(entry.dtype) needs \(byteCount.map(String.init) ?? "too many") bytes but data_offsets span \(entry.end - entry.begin)")
                }
                let tensor = Tensor(uninitializedShape: entry.shape)
                dtype.decode(file.baseAddress! + header.dataStart + entry.begin, count: count, into: tensor.pointer)
                tensors[entry.name] = tensor
            }
        }
        return tensors
    }

    /// The string-to-string "__metadata__" of the header (empty when absent).
    public static func metadata(_ url: URL) throws -> [String: String] {
        try SafeTensorsHeader(parsing: mappedContents(of: url), file: url).metadata
    }

    /// Each tensor's name, dtype name and shape, without converting any data.
    public static func inventory(_ url: URL) throws -> [String: (dtype: String, shape: [Int])] {
        let header = try SafeTensorsHeader(parsing: mappedContents(of: url), file: url)
        return Dictionary(uniqueKeysWithValues: header.entries.map { ($0.name, ($0.dtype, $0.shape)) })
    }

    /// Writes `tensors` as F32 (names sorted, data in that order), atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let names = tensors.keys.sorted()
        if names.contains("__metadata__") {
            throw MediaIOError(.invalidArgument, file: url, key: "__metadata__", "this name is reserved by the format")
        }
        var header: [String: Any] = [:]
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.count]]
            offset += 4 * tensor.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))

        try writeAtomically(to: url) { temporary in
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw MediaIOError(.io, file: url, "cannot create a file in \(url.deletingLastPathComponent().path)")
            }
            do {
                let handle = try FileHandle(forWritingTo: temporary)
                defer { try? handle.close() }
                var length = UInt64(json.count).littleEndian
                try handle.write(contentsOf: Data(bytes: &length, count: 8))
                try handle.write(contentsOf: json)
                for name in names {
                    let tensor = tensors[name]!
                    try handle.write(contentsOf: UnsafeRawBufferPointer(start: tensor.pointer, count: 4 * tensor.count))
                }
            } catch let error as MediaIOError {
                throw error
            } catch {
                throw MediaIOError(.io, file: url, "write failed: \(error.localizedDescription)")
            }
        }
    }

    /// The product, or nil if it overflows Int.
    private static func checkedProduct(_ factors: [Int]) -> Int? {
        var product = 1
        for factor in factors {
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            product = result
        }
        return product
    }

    private static func mappedContents(of url: URL) throws -> Data {
        try requireReadableFile(url)
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw MediaIOError(.io, file: url, "cannot read: \(error.localizedDescription)")
        }
    }
}
