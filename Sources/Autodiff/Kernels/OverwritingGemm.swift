import COpenBLAS

/// Row-major `cblas_sgemm` that overwrites C: C (m, n; row stride ldc) = α·op(A)·op(B).
///
/// OpenBLAS does β = 0 as a pass of its own that stores zeros one float at a time (its
/// generic gemm_beta: 7 % of a cpu64 decode in `perf`), then adds α·op(A)·op(B) onto C.
/// Here C is zeroed by memset instead and the GEMM is called with β = 1, which skips that
/// pass. The bits are the same: either way C starts at +0 and the kernel adds the same sums.
func sgemmOverwriting(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    if ldc == n {
        c.update(repeating: 0, count: m * n)
    } else {
        for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
    }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), 1, c, blasint(ldc))
}
