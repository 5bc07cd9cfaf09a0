import Autodiff
import CHDF5
import Foundation

/// Writes a `TensorFile` whose tensors are too long to hold at once: the shapes are fixed
/// when the file is created, and each tensor is then filled in row blocks (along its
/// first dimension), in order. The result reads back with `TensorFile.read` like any
/// other; float32 only.
///
/// The file is written in place (not through a temporary name): a reader that finds it
/// before `close()` may see rows still zero.
public final class TensorFileRowWriter {
    public let url: URL
    private let file: HDF5File
    private var datasets: [String: HDF5Handle] = [:]
    private var shapes: [String: [Int]] = [:]
    private var rowsWritten: [String: Int] = [:]

    /// Creates `url` (replacing a file there) with float32 datasets of `shapes`, the int64
    /// arrays `integers` (written whole, now) and root string `attributes`.
    public init(url: URL, shapes: [String: [Int]], integers: [String: [Int64]] = [:], attributes: [String: String] = [:]) throws {
        try TensorFile.validateNames(Array(shapes.keys) + Array(integers.keys), file: url)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        self.url = url
        file = try HDF5Library.run { try HDF5File.create(at: url, reportingAs: url) }
        for name in shapes.keys.sorted() {
            let shape = shapes[name]!
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
                throw MediaIOError(.invalidArgument, file: url, key: name, "shape \(shape); row-wise tensors need at least one dimension")
            }
            datasets[name] = try HDF5Library.run {
                try file.createDataset(TensorFile.path(of: name), key: name, shape: shape, fileType: tf_h5t_ieee_f32le())
            }
            self.shapes[name] = shape
            rowsWritten[name] = 0
        }
        for name in integers.keys.sorted() {
            let values = integers[name]!
            let buffer = values.isEmpty ? [0] : values  // HDF5 wants a non-null buffer even for no values
            try HDF5Library.run {
                try buffer.withUnsafeBytes { bytes in
                    try file.writeDataset(TensorFile.path(of: name), key: name, shape: [values.count], fileType: tf_h5t_std_i64le(),
                                          memoryType: tf_h5t_native_int64(), data: bytes.baseAddress!)
                }
            }
        }
        for name in attributes.keys.sorted() {
            try HDF5Library.run { try file.writeRootStringAttribute(name, attributes[name]!) }
        }
    }

    /// Writes `rows` (n, …) as the next n rows of `name`.
    public func append(_ rows: Tensor, to name: String) throws {
        guard let dataset = datasets[name], let shape = shapes[name], let start = rowsWritten[name] else {
            throw MediaIOError(.invalidArgument, file: url, key: name, "not a tensor of this file")
        }
        guard rows.rank == shape.count, Array(rows.shape.dropFirst()) == Array(shape.dropFirst()), start + rows.size(0) <= shape[0] else {
            throw MediaIOError(.invalidArgument, file: url, key: name,
                               "rows of shape \(rows.shape) after \(start) rows do not fit the tensor's shape \(shape)")
        }
        guard rows.size(0) > 0 else { return }
        try HDF5Library.run { try file.writeRows(of: dataset, shape: shape, from: start, rows.size(0), data: rows.pointer) }
        rowsWritten[name] = start + rows.size(0)
    }

    /// Closes the file; throws if a tensor did not get all its rows or the disk refused.
    public func close() throws {
        for (name, shape) in shapes where rowsWritten[name] != shape[0] {
            throw MediaIOError(.invalidArgument, file: url, key: name, "\(rowsWritten[name] ?? 0) of \(shape[0]) rows written")
        }
        try HDF5Library.run {
            for dataset in datasets.values { try dataset.close() }
            try file.close()
        }
    }
}
