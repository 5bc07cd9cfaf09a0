import CHDF5
import Foundation

extension HDF5File {
    /// Slash paths of every dataset in the file, depth first in name order
    /// (e.g. ["blocks/0/attn/qkv/bias", "blocks/0/attn/qkv/weight", ...]).
    func datasetPaths() throws -> [String] {
        var paths: [String] = []
        try collectDatasets(in: "", group: handle.id, into: &paths)
        return paths
    }

    private func collectDatasets(in prefix: String, group: hid_t, into paths: inout [String]) throws {
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { context in
            H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                guard let name, let context else { return -1 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, context)
        }
        let groupPath = "/" + prefix
        guard status >= 0 else { throw hdf5Failure("listing group \(groupPath)", file: url, key: nil) }
        for name in names {
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            let object = try HDF5Handle(
                H5Oopen(group, name, tf_h5p_default()), .object, file: url, key: path.replacingOccurrences(of: "/", with: "."),
                opening: "opening /\(path)")
            switch H5Iget_type(object.id) {
            case H5I_GROUP: try collectDatasets(in: path, group: object.id, into: &paths)
            case H5I_DATASET: paths.append(path)
            default: break  // named datatypes and the like hold no data
            }
        }
    }
}
