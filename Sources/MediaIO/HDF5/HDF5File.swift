import CHDF5
import Foundation

/// An open HDF5 file. Objects inside are addressed by slash paths from the root
/// ("blocks/0/attn/qkv/weight"); errors name `url` and the key the caller passes.
struct HDF5File {
    let handle: HDF5Handle
    var url: URL { handle.file }

    /// Creates a new file at `path` (which must not exist); errors name `reportedURL`,
    /// the file the user asked for, since `path` is only a temporary name.
    static func create(at path: URL, reportingAs reportedURL: URL) throws -> HDF5File {
        // Strong close degree: H5Fclose flushes and closes everything in the file, so a
        // successful close means the file on disk is complete.
        let access = try HDF5Handle(H5Pcreate(tf_h5p_file_access()), .propertyList, file: reportedURL, opening: "creating file access properties")
        try access.check(H5Pset_fclose_degree(access.id, H5F_CLOSE_STRONG), "setting the close degree")
        let id = H5Fcreate(path.path, tf_h5f_acc_excl(), tf_h5p_default(), access.id)
        return HDF5File(handle: try HDF5Handle(id, .file, file: reportedURL, opening: "creating \(path.lastPathComponent)"))
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
