import COpenBLAS
import Dispatch
import Foundation

/// The one place that decides how work is spread over cores.
///
/// OpenBLAS is pinned to one thread, once, before the first parallel region, and never
/// changed again. This file once switched it to one thread around every region and back:
/// `openblas_set_num_threads` is not safe while another thread is inside BLAS (OpenBLAS's
/// OpenMP build frees and reallocates shared buffers in it), and a product's rounding could
/// follow however OpenBLAS happened to thread it. Parallelism is ours alone: kernels run
/// single-threaded GEMMs on their own pieces, `sgemm` splits a large product by rows, and
/// every result is the same whatever the core count or the load.
public enum Parallel {
    public static let coreCount = ProcessInfo.processInfo.activeProcessorCount

    /// Parallel regions plus `serially` calls now running, on any thread; work runs serially
    /// while it is above zero. Behind a lock because nested calls read it from worker threads,
    /// and a caller on another thread may open a region of its own.
    nonisolated(unsafe) private static var claims = 0
    private static let regionLock = NSLock()

    /// Pins OpenBLAS to one thread the first time any parallel work or GEMM is about to run
    /// (Swift runs a static initialiser exactly once, before any BLAS call of ours). Code that
    /// calls BLAS directly reads it first: a multi-threaded OpenBLAS call leaves its pool
    /// threads spinning for a while afterwards, and they take a core from our own regions.
    public static let blasIsSingleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Runs `body(i)` for i in 0..<count on all cores; returns when every call has.
    /// Inside another region (or while one runs on another thread) it runs serially, so the
    /// cores are never oversubscribed.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        _ = blasIsSingleThreaded
        if count <= 1 || coreCount == 1 || !enterRegion() {
            for i in 0..<count { body(i) }
            return
        }
        defer { release() }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// Claims the machine for one region; false if a region already runs.
    private static func enterRegion() -> Bool {
        regionLock.withLock {
            if claims > 0 { return false }
            claims = 1
            return true
        }
    }

    private static func release() { regionLock.withLock { claims -= 1 } }

    /// Runs `body` with every region inside it serial, on the calling thread: the reference
    /// that the stress tests hold the parallel kernels to (the work is cut the same way, only
    /// not spread over cores), and a way to rule threads out when hunting a bug.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        regionLock.withLock { claims += 1 }
        defer { release() }
        return try body()
    }

    /// Splits 0..<total into about one contiguous range per core (at least `minimum`
    /// elements each, so tiny tensors stay on one thread) and runs them in parallel.
    public static func forRanges(_ total: Int, minimum: Int = 32_768, _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(coreCount, total / max(minimum, 1)))
        if chunks == 1 { body(0..<total); return }
        let step = (total + chunks - 1) / chunks
        forEach(chunks) { c in
            let lo = c * step, hi = min(total, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }
}
