import COpenBLAS
import Dispatch

/// The one place that decides how work is spread over cores.
///
/// OpenBLAS has its own thread pool. Inside our own parallel regions it is switched to
/// one thread so the two pools never fight over the same cores; outside them it keeps
/// every core for large single GEMMs.
public enum Parallel {
    public static let coreCount = ProcessInfo.processInfo.activeProcessorCount
    nonisolated(unsafe) private static var depth = 0

    /// Runs `body(i)` for i in 0..<count on all cores; returns when every call has.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || coreCount == 1 || depth > 0 {
            for i in 0..<count { body(i) }
            return
        }
        depth += 1
        let blasThreads = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
        openblas_set_num_threads(Int32(blasThreads))
        depth -= 1
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

import Foundation
