import Autodiff
import CHDF5
import Foundation

/// Named tensors in an HDF5 file: our checkpoint and shipped-weights format.
///
/// Layout: a dotted name is a path of groups, one group per module, so
/// "blocks.0.attn.qkv.weight" is the dataset /blocks/0/attn/qkv/weight. Float tensors are
/// stored as IEEE float32 or float16 (h5py reads both as numpy arrays of that dtype);
/// integer arrays (training state: step counters, RNG state as bit patterns) as int64.
/// String attributes (e.g. "config" holding JSON) sit on the root group.
///
/// Writes build a temporary file next to the destination and rename it into place, so a
/// crash or a failed write never leaves a half-written checkpoint.
public enum TensorFile {
    public enum Precision: Sendable { case float32, float16 }

    /// Everything a file holds, by kind.
    public struct Contents {
        public var tensors: [String: Tensor]
        public var integers: [String: [Int64]]
        public var attributes: [String: String]

        public init(tensors: [String: Tensor] = [:], integers: [String: [Int64]] = [:], attributes: [String: String] = [:]) {
            self.tensors = tensors
            self.integers = integers
            self.attributes = attributes
        }
    }

    /// Writes `tensors` (stored at `precision`), `integers` (int64) and root `attributes`
    /// to `url`, replacing any existing file atomically.
    public static func write(
        _ tensors: [String: Tensor], integers: [String: [Int64]] = [:], attributes: [String: String] = [:],
        to url: URL, precision: Precision = .float32
    ) throws {
        try validateNames(Array(tensors.keys) + Array(integers.keys), file: url)
        try writeAtomically(to: url) { temporary in
            try HDF5Library.run {
                try reportingFailuresAsIO {
                    let file = try HDF5File.create(at: temporary, reportingAs: url)
                    try fill(file, tensors: tensors, integers: integers, attributes: attributes, precision: precision)
                    try file.close()  // strong close degree: complete on disk once this returns
                }
            }
        }
    }

    /// Writes everything in `contents` (see the other `write`).
    public static func write(_ contents: Contents, to url: URL, precision: Precision = .float32) throws {
        try write(contents.tensors, integers: contents.integers, attributes: contents.attributes, to: url, precision: precision)
    }

    /// The float tensors and root attributes of `url`. Integer datasets are left out
    /// (see `readContents`).
    public static func read(_ url: URL) throws -> (tensors: [String: Tensor], attributes: [String: String]) {
        let contents = try readContents(url)
        return (contents.tensors, contents.attributes)
    }

    /// The root string attributes only, without touching any tensor data.
    public static func readAttributes(_ url: URL) throws -> [String: String] {
        try HDF5Library.run {
            try HDF5File.openForReading(url).readRootStringAttributes()
        }
    }

    /// Every dataset's dotted name and shape, without reading the data (for `weights inspect`).
    public static func shapes(_ url: URL) throws -> [String: [Int]] {
        try HDF5Library.run {
            let file = try HDF5File.openForReading(url)
            var shapes: [String: [Int]] = [:]
            for path in try file.datasetPaths() {
                let name = dottedName(of: path)
                shapes[name] = try file.openDataset(path, key: name).shape
            }
            return shapes
        }
    }

    /// Float datasets (any IEEE width, converted to Float32) as tensors, integer datasets
    /// (any width, widened to Int64 and flattened) as integer arrays, and root attributes.
    public static func readContents(_ url: URL) throws -> Contents {
        try HDF5Library.run {
            let file = try HDF5File.openForReading(url)
            var contents = Contents()
            for path in try file.datasetPaths() {
                let name = dottedName(of: path)
                let dataset = try file.openDataset(path, key: name)
                switch dataset.typeClass {
                case H5T_FLOAT:
                    let tensor = Tensor(uninitializedShape: dataset.shape)
                    try dataset.read(as: tf_h5t_native_float(), into: tensor.pointer)
                    contents.tensors[name] = tensor
                case H5T_INTEGER:
                    var values = [Int64](repeating: 0, count: dataset.count)
                    try values.withUnsafeMutableBytes { try dataset.read(as: tf_h5t_native_int64(), into: $0.baseAddress!) }
                    contents.integers[name] = values
                default:
                    throw MediaIOError(
                        .unsupported, file: url, key: name,
                        "dataset /\(path) has HDF5 type class \(dataset.typeClass.rawValue); only float and integer datasets are read")
                }
            }
            contents.attributes = try file.readRootStringAttributes()
            return contents
        }
    }

    // MARK: - Helpers

    /// HDF5 failures default to `.corrupt` (right for reading); while writing, a failing
    /// call means the disk or the path refused, so report `.io`.
    private static func reportingFailuresAsIO(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as MediaIOError where error.kind == .corrupt {
            throw MediaIOError(.io, file: error.file, key: error.key, error.reason)
        }
    }

    private static func fill(
        _ file: HDF5File, tensors: [String: Tensor], integers: [String: [Int64]], attributes: [String: String],
        precision: Precision
    ) throws {
        for name in tensors.keys.sorted() {
            try write(tensors[name]!, named: name, precision: precision, to: file)
        }
        for name in integers.keys.sorted() {
            let values = integers[name]!
            try withBytes(of: values) { bytes in
                try file.writeDataset(
                    path(of: name), key: name, shape: [values.count], fileType: tf_h5t_std_i64le(),
                    memoryType: tf_h5t_native_int64(), data: bytes)
            }
        }
        for name in attributes.keys.sorted() {
            try file.writeRootStringAttribute(name, attributes[name]!)
        }
    }

    private static func write(_ tensor: Tensor, named name: String, precision: Precision, to file: HDF5File) throws {
        switch precision {
        case .float32:
            try file.writeDataset(
                path(of: name), key: name, shape: tensor.shape, fileType: tf_h5t_ieee_f32le(),
                memoryType: tf_h5t_native_float(), data: tensor.pointer)
        case .float16:
            // Round to nearest even in Swift (HDF5's own conversion is not guaranteed to).
            var halves = [Float16](repeating: 0, count: tensor.count)
            for i in 0..<tensor.count {
                let value = tensor.pointer[i]
                halves[i] = Float16(value)
                if halves[i].isInfinite && value.isFinite {
                    throw MediaIOError(.invalidArgument, file: file.url, key: name, "value \(value) at index \(i) overflows float16 (max 65504)")
                }
            }
            let half = try HDF5Types.float16(file: file.url)
            try withBytes(of: halves) { bytes in
                try file.writeDataset(
                    path(of: name), key: name, shape: tensor.shape, fileType: half.id, memoryType: half.id, data: bytes)
            }
        }
    }

    /// The array's bytes as a pointer HDF5 accepts: never null, even for an empty array
    /// (H5Dwrite rejects a null buffer although it reads nothing from it).
    private static func withBytes<Element>(of array: [Element], _ body: (UnsafeRawPointer) throws -> Void) rethrows {
        var placeholder: UInt64 = 0
        if array.isEmpty { return try body(&placeholder) }
        try array.withUnsafeBytes { try body($0.baseAddress!) }
    }

    static func path(of name: String) -> String { name.replacingOccurrences(of: ".", with: "/") }
    static func dottedName(of path: String) -> String { path.replacingOccurrences(of: "/", with: ".") }

    /// Names must map to distinct, well-formed HDF5 paths: no empty parts, no "/", and no
    /// name may also be a module holding other names ("a.b" and "a.b.c" cannot coexist).
    static func validateNames(_ names: [String], file: URL) throws {
        let all = Set(names)
        if all.count != names.count {
            let duplicate = Dictionary(grouping: names, by: { $0 }).first { $0.value.count > 1 }!.key
            throw MediaIOError(.invalidArgument, file: file, key: duplicate, "name used for both a tensor and an integer array")
        }
        for name in names {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            if parts.contains(where: \.isEmpty) || name.contains("/") {
                throw MediaIOError(.invalidArgument, file: file, key: name, "names are dot-separated non-empty parts without '/'")
            }
            for end in parts.indices.dropLast() {
                let prefix = parts[...end].joined(separator: ".")
                if all.contains(prefix) {
                    throw MediaIOError(.invalidArgument, file: file, key: name, "'\(prefix)' is both a tensor and a group of tensors")
                }
            }
        }
    }
}
