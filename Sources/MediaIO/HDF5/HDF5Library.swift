import CHDF5
import Foundation

/// Every HDF5 call in MediaIO runs inside `HDF5Library.run`: one thread in the library at a
/// time, HDF5's habit of printing its error stack to stderr switched off, and each failed
/// call turned into a `MediaIOError` that carries HDF5's own explanation.
enum HDF5Library {
    private static let lock = NSRecursiveLock()

    /// No library shutdown at process exit. A file whose H5Fclose failed (a write error,
    /// e.g. a full disk) stays half-closed in HDF5's table, and the shutdown would close it
    /// a second time and crash after the clean error; our handles close every file exactly
    /// once themselves, so the shutdown has nothing left to do. Must precede any other call.
    private static let skipsShutdownAtExit: Void = { _ = H5dont_atexit() }()

    static func run<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        skipsShutdownAtExit
        // The automatic printer is per thread in thread-safe builds, so silence it every time.
        H5Eset_auto2(tf_h5e_default(), nil, nil)
        return try body()
    }

    /// The innermost messages of the current thread's error stack, e.g.
    /// "truncated file: eof = 1024, sblock->base_addr = 0, stored_eof = 4096".
    static func currentErrorMessage() -> String {
        var descriptions: [String] = []
        withUnsafeMutablePointer(to: &descriptions) { context in
            _ = H5Ewalk2(tf_h5e_default(), H5E_WALK_DOWNWARD, { _, error, context in
                guard let error, let text = error.pointee.desc, let context else { return 0 }
                let message = String(cString: text)
                if !message.isEmpty {
                    context.assumingMemoryBound(to: [String].self).pointee.append(message)
                }
                return 0
            }, context)
        }
        H5Eclear2(tf_h5e_default())
        // Downward walk: the API call first, the root cause last. Keep the two deepest.
        let deepest = descriptions.suffix(2).reversed()
        return deepest.isEmpty ? "HDF5 reported no details" : deepest.joined(separator: " ← ")
    }
}

/// A failed HDF5 call, named by what we were doing, with HDF5's explanation attached.
func hdf5Failure(_ what: String, file: URL, key: String?, kind: MediaIOError.Kind = .corrupt) -> MediaIOError {
    MediaIOError(kind, file: file, key: key, "\(what) failed (\(HDF5Library.currentErrorMessage()))")
}
