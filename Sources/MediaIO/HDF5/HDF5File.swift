import CHDF5
import Foundation

/// An open HDF5 file. Objects inside are addressed by slash paths from the root
/// ("blocks/0/attn/qkv/weight"); errors name `url` and the key the caller passes.
struct HDF5File {
    let handle: HDF5Handle
    var url: URL { handle.file }

    /// Creates a new file held in memory only (HDF5's core driver without a backing
    /// store), named `name` for HDF5's own bookkeeping; `image()` gives its bytes. A write
    /// error on disk can then never happen inside the library: a failed H5Fclose leaves a
    /// half-closed file that HDF5 closes again, and crashes in, when the process exits.
    static func createInMemory(named name: URL, reportingAs reportedURL: URL, expectedBytes: Int) throws -> HDF5File {
        let access = try HDF5Handle(H5Pcreate(tf_h5p_file_access()), .propertyList, file: reportedURL, opening: "creating file access properties")
        try access.check(H5Pset_fapl_core(access.id, max(1 << 16, expectedBytes), false), "choosing the in-memory driver")
        try access.check(H5Pset_fclose_degree(access.id, H5F_CLOSE_STRONG), "setting the close degree")
        let id = H5Fcreate(name.path, tf_h5f_acc_excl(), tf_h5p_default(), access.id)
        return HDF5File(handle: try HDF5Handle(id, .file, file: reportedURL, opening: "creating \(name.lastPathComponent) in memory"))
    }

    /// The bytes of the file as it stands (everything flushed first).
    func image() throws -> Data {
        try handle.check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flushing the file")
        let size = H5Fget_file_image(handle.id, nil, 0)
        guard size >= 0 else { throw hdf5Failure("measuring the file image", file: url, key: nil) }
        var bytes = Data(count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(handle.id, $0.baseAddress, size) }
        guard copied == size else { throw hdf5Failure("copying the file image", file: url, key: nil) }
        return bytes
    }

    /// Opens an existing file read-only, after checking it exists and has an HDF5 signature.
    static func openForReading(_ url: URL) throws -> HDF5File {
        try requireReadableFile(url)
        let signature = H5Fis_hdf5(url.path)
        if signature == 0 {
            throw MediaIOError(.corrupt, file: url, "not an HDF5 file (no HDF5 signature found)")
        }
        if signature < 0 { throw hdf5Failure("checking the HDF5 signature", file: url, key: nil) }
        let id = H5Fopen(url.path, tf_h5f_acc_rdonly(), tf_h5p_default())
        return HDF5File(handle: try HDF5Handle(id, .file, file: url, opening: "opening the file"))
    }

    func close() throws { try handle.close() }
}
