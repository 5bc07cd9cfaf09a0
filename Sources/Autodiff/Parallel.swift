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
    /// The threads this process spreads its work over (`threadCount(environment:cores:)`).
    public static let coreCount = threadCount(environment: ProcessInfo.processInfo.environment,
                                              cores: ProcessInfo.processInfo.activeProcessorCount)

    /// `TALKINGFACE_THREADS` names the thread count. Without it: the machine's cores, shared
    /// out among the ranks that an MPI launcher started on this machine (Open MPI's
    /// OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS), so that 2 ranks on 2 cores run
    /// one thread each instead of 2 each; at least one.
    public static let threadsVariable = "TALKINGFACE_THREADS"
    public static func threadCount(environment: [String: String], cores: Int) -> Int {
        if let given = environment[threadsVariable].flatMap(Int.init), given > 0 { return given }
        let localRanks = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"].lazy.compactMap { environment[$0].flatMap(Int.init) }.first ?? 1
        return max(1, cores / max(1, localRanks))
    }

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
        if coreCount >= ProcessInfo.processInfo.activeProcessorCount || count <= coreCount {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        } else {  // fewer threads than cores (`threadCount`): each worker takes every coreCount-th item
            DispatchQueue.concurrentPerform(iterations: coreCount) { worker in
                for i in stride(from: worker, to: count, by: coreCount) { body(i) }
            }
        }
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
