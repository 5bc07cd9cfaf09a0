import CHDF5
import Foundation

/// String attributes on the file's root group (where checkpoints keep their JSON config).
extension HDF5File {
    func writeRootStringAttribute(_ name: String, _ value: String) throws {
        let type = try HDF5Types.utf8String(file: url)
        let space = try HDF5Handle(H5Screate(H5S_SCALAR), .dataspace, file: url, key: name, opening: "creating a scalar dataspace")
        let attribute = try HDF5Handle(
            H5Acreate2(handle.id, name, type.id, space.id, tf_h5p_default(), tf_h5p_default()),
            .attribute, file: url, key: name, opening: "creating attribute")
        try value.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            try attribute.check(H5Awrite(attribute.id, type.id, &pointer), "writing attribute")
        }
        try attribute.close()
    }

    /// Every string attribute of the root group, fixed- or variable-length.
    /// Attributes of other types (numbers, arrays) are not part of this API and are skipped.
    func readRootStringAttributes() throws -> [String: String] {
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { context in
            H5Aiterate2(handle.id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                guard let name, let context else { return -1 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, context)
        }
        guard status >= 0 else { throw hdf5Failure("listing root attributes", file: url, key: nil) }
        var result: [String: String] = [:]
        for name in names {
            if let value = try readRootStringAttribute(name) { result[name] = value }
        }
        return result
    }

    private func readRootStringAttribute(_ name: String) throws -> String? {
        let attribute = try HDF5Handle(H5Aopen(handle.id, name, tf_h5p_default()), .attribute, file: url, key: name, opening: "opening attribute")
        let fileType = try HDF5Handle(H5Aget_type(attribute.id), .datatype, file: url, key: name, opening: "reading the attribute type")
        guard H5Tget_class(fileType.id) == H5T_STRING else { return nil }
        let space = try HDF5Handle(H5Aget_space(attribute.id), .dataspace, file: url, key: name, opening: "reading the attribute dataspace")
        guard H5Sget_simple_extent_npoints(space.id) == 1 else { return nil }

        if H5Tis_variable_str(fileType.id) > 0 {
            let memoryType = try HDF5Types.utf8String(file: url)
            var pointer: UnsafeMutablePointer<CChar>? = nil
            try attribute.check(H5Aread(attribute.id, memoryType.id, &pointer), "reading attribute")
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        // Fixed-length: read the raw bytes and stop at the first NUL (null-padded strings).
        let size = H5Tget_size(fileType.id)
        var bytes = [UInt8](repeating: 0, count: size + 1)
        try attribute.check(H5Aread(attribute.id, fileType.id, &bytes), "reading attribute")
        let end = bytes.firstIndex(of: 0) ?? size
        return String(decoding: bytes[..<end], as: UTF8.self).trimmingCharacters(in: .init(charactersIn: " "))
    }
}
