import CHDF5
import Foundation

/// An open dataset with what a reader needs to size its buffer.
struct HDF5Dataset {
    let handle: HDF5Handle
    /// Dimensions, slowest first (C order); [] for a scalar.
    let shape: [Int]
    let typeClass: H5T_class_t
    /// Bytes per element in the file.
    let elementSize: Int

    var count: Int { shape.reduce(1, *) }

    /// Reads every element, converted by HDF5 to `memoryType`, into `destination`
    /// (room for `count` elements of that type).
    func read(as memoryType: hid_t, into destination: UnsafeMutableRawPointer) throws {
        try handle.check(
            H5Dread(handle.id, memoryType, tf_h5s_all(), tf_h5s_all(), tf_h5p_default(), destination),
            "reading the data")
    }
}

extension HDF5File {
    /// Creates the dataset at `path` (missing parent groups are created) with `shape` and
    /// the file type `fileType`, and writes `data`, laid out as `memoryType`.
    func writeDataset(
        _ path: String, key: String, shape: [Int], fileType: hid_t, memoryType: hid_t, data: UnsafeRawPointer
    ) throws {
        let dataset = try createDataset(path, key: key, shape: shape, fileType: fileType)
        try dataset.check(
            H5Dwrite(dataset.id, memoryType, tf_h5s_all(), tf_h5s_all(), tf_h5p_default(), data),
            "writing dataset /\(path)")
        try dataset.close()
    }

    /// Creates the dataset at `path` (missing parent groups are created) with `shape` and
    /// the file type `fileType`, without writing it; the caller closes the handle.
    func createDataset(_ path: String, key: String, shape: [Int], fileType: hid_t) throws -> HDF5Handle {
        let space = try dataspace(shape, key: key)
        let linkProperties = try HDF5Handle(H5Pcreate(tf_h5p_link_create()), .propertyList, file: url, key: key, opening: "creating link properties")
        try linkProperties.check(H5Pset_create_intermediate_group(linkProperties.id, 1), "enabling intermediate groups")
        // No creation/modification timestamps: the same tensors must give the same bytes.
        let creationProperties = try HDF5Handle(
            H5Pcreate(tf_h5p_dataset_create()), .propertyList, file: url, key: key, opening: "creating dataset properties")
        try creationProperties.check(H5Pset_obj_track_times(creationProperties.id, false), "disabling timestamps")
        return try HDF5Handle(
            H5Dcreate2(handle.id, path, fileType, space.id, linkProperties.id, creationProperties.id, tf_h5p_default()),
            .dataset, file: url, key: key, opening: "creating dataset /\(path)")
    }

    /// Writes float32 rows `first ..< first + count` (along the first dimension) of the
    /// float dataset `dataset` of `shape` from `data`.
    func writeRows(of dataset: HDF5Handle, shape: [Int], from first: Int, _ count: Int, data: UnsafeRawPointer) throws {
        let key = dataset.key ?? ""
        let fileSpace = try dataspace(shape, key: key)
        var start = [hsize_t](repeating: 0, count: shape.count), block = shape.map { hsize_t($0) }
        start[0] = hsize_t(first)
        block[0] = hsize_t(count)
        try fileSpace.check(H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, block, nil), "selecting rows \(first)..<\(first + count)")
        let memorySpace = try dataspace(block.map { Int($0) }, key: key)
        try dataset.check(
            H5Dwrite(dataset.id, tf_h5t_native_float(), memorySpace.id, fileSpace.id, tf_h5p_default(), data),
            "writing rows \(first)..<\(first + count)")
    }

    /// A simple dataspace of `shape`, or a scalar one for [].
    private func dataspace(_ shape: [Int], key: String) throws -> HDF5Handle {
        if shape.isEmpty {
            return try HDF5Handle(H5Screate(H5S_SCALAR), .dataspace, file: url, key: key, opening: "creating a scalar dataspace")
        }
        let dims = shape.map { hsize_t($0) }
        return try HDF5Handle(
            H5Screate_simple(Int32(dims.count), dims, nil), .dataspace, file: url, key: key,
            opening: "creating dataspace \(shape)")
    }

    /// Opens the dataset at `path` and reads its shape and element type.
    func openDataset(_ path: String, key: String) throws -> HDF5Dataset {
        let dataset = try HDF5Handle(
            H5Dopen2(handle.id, path, tf_h5p_default()), .dataset, file: url, key: key, opening: "opening dataset /\(path)")
        let type = try HDF5Handle(H5Dget_type(dataset.id), .datatype, file: url, key: key, opening: "reading the datatype")
        let space = try HDF5Handle(H5Dget_space(dataset.id), .dataspace, file: url, key: key, opening: "reading the dataspace")
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0 else { throw hdf5Failure("reading the rank", file: url, key: key) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space.id, &dims, nil) >= 0 else {
            throw hdf5Failure("reading the dimensions", file: url, key: key)
        }
        let typeClass = H5Tget_class(type.id)
        guard typeClass != H5T_NO_CLASS else { throw hdf5Failure("reading the type class", file: url, key: key) }
        return HDF5Dataset(handle: dataset, shape: dims.map { Int($0) }, typeClass: typeClass, elementSize: H5Tget_size(type.id))
    }
}
