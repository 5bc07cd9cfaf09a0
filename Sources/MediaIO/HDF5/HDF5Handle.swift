import CHDF5
import Foundation

/// One open HDF5 identifier (file, group, dataset, attribute, datatype, dataspace or
/// property list), closed exactly once: by `close()` where the result matters (a file
/// being written), otherwise when the handle goes away.
final class HDF5Handle {
    enum Kind {
        case file, group, dataset, attribute, datatype, dataspace, propertyList, object

        fileprivate var close: (hid_t) -> herr_t {
            switch self {
            case .file: return H5Fclose
            case .group: return H5Gclose
            case .dataset: return H5Dclose
            case .attribute: return H5Aclose
            case .datatype: return H5Tclose
            case .dataspace: return H5Sclose
            case .propertyList: return H5Pclose
            case .object: return H5Oclose
            }
        }
    }

    let id: hid_t
    let kind: Kind
    /// For error messages: the file as the user named it (not a temporary path) and the key.
    let file: URL
    let key: String?
    private var isOpen = true

    /// Wraps the result of an HDF5 open/create call; a negative id becomes the thrown error.
    init(_ id: hid_t, _ kind: Kind, file: URL, key: String? = nil, opening what: @autoclosure () -> String) throws {
        guard id >= 0 else { throw hdf5Failure(what(), file: file, key: key) }
        self.id = id
        self.kind = kind
        self.file = file
        self.key = key
    }

    /// Closes now and reports failure (for a file, this is where the data reaches the disk).
    func close() throws {
        guard isOpen else { return }
        isOpen = false
        if kind.close(id) < 0 {
            throw hdf5Failure("closing \(kind)", file: file, key: key, kind: .io)
        }
    }

    deinit {
        if isOpen { _ = kind.close(id) }
    }

    /// Turns a negative status of a call on this object into a thrown error.
    func check(_ status: herr_t, _ what: @autoclosure () -> String) throws {
        if status < 0 { throw hdf5Failure(what(), file: file, key: key) }
    }
}
