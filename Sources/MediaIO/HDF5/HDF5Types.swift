import CHDF5
import Foundation

/// File datatypes HDF5 has no predefined id for.
enum HDF5Types {
    /// IEEE 754 binary16, little-endian: 1 sign bit (15), 5 exponent bits (10–14, bias 15),
    /// 10 mantissa bits (0–9). Derived from the 32-bit IEEE type the same way h5py derives
    /// its own, so h5py and numpy read the datasets as `float16`.
    static func float16(file: URL) throws -> HDF5Handle {
        let type = try HDF5Handle(H5Tcopy(tf_h5t_ieee_f32le()), .datatype, file: file, opening: "copying the float32 type")
        try type.check(H5Tset_fields(type.id, 15, 10, 5, 0, 10), "setting float16 bit fields")
        try type.check(H5Tset_size(type.id, 2), "setting float16 size")
        try type.check(H5Tset_ebias(type.id, 15), "setting float16 exponent bias")
        return type
    }

    /// Variable-length UTF-8 string (h5py hands these back as `str`).
    static func utf8String(file: URL) throws -> HDF5Handle {
        let type = try HDF5Handle(H5Tcopy(tf_h5t_c_s1()), .datatype, file: file, opening: "copying the string type")
        try type.check(H5Tset_size(type.id, tf_h5t_variable()), "making the string type variable-length")
        try type.check(H5Tset_cset(type.id, H5T_CSET_UTF8), "setting UTF-8 on the string type")
        return type
    }
}
