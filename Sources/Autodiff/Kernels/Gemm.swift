import COpenBLAS

/// Row-major single-precision GEMMs through OpenBLAS, one call or a batch.
///
/// C = α·op(A)·op(B) + β·C with op(X) = X or Xᵀ: transposes are BLAS flags, never copies.
/// A is (m, k) — stored (k, m) when `transA` — and B is (k, n), stored (n, k) when `transB`.
func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float = 0, c: UnsafeMutablePointer<Float>
) {
    guard m > 0, n > 0 else { return }
    _ = Parallel.blasIsSingleThreaded
    // OpenBLAS runs single-threaded (see Parallel), so a large product is cut into one block
    // per core: of C's rows, or of its columns when A is the smaller operand. Each part packs
    // the other operand whole, so the split duplicates the smaller one's packing: Wav2Vec2's
    // layers (m = 499 frames against 768 × 3,072 weights) split by rows packed every weight
    // twice. Each element still sums over k in the same order.
    let cores = Parallel.coreCount
    let large = m * n * k >= gemmSplitWork
    nonisolated(unsafe) let a = a, b = b, c = c
    /// One block of C: `rows` × `columns` of the product, whose operands start at `a` and `b`.
    func product(rows: Int, columns: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        let (lda, ldb) = (max(1, transA ? m : k), max(1, transB ? k : n))
        if beta == 0 {
            sgemmOverwriting(transA: transA, transB: transB, m: rows, n: columns, k: k, alpha: alpha,
                             a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n)
        } else {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                blasint(rows), blasint(columns), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(n))
        }
    }
    if large && m < n && n >= 32 * cores {
        let columnsPerPart = (n / cores + 15) / 16 * 16
        Parallel.forEach((n + columnsPerPart - 1) / columnsPerPart) { part in
            let left = part * columnsPerPart, columns = min(columnsPerPart, n - left)
            // Column `left` of op(B): column left of B, or row left of the stored (n, k) Bᵀ.
            let bPart = transB ? b + left * k : b + left
            product(rows: m, columns: columns, a: a, b: bPart, c: c + left)
        }
        return
    }
    let rowsPerPart = large && m >= 2 * cores ? (m + cores - 1) / cores : m
    Parallel.forEach((m + rowsPerPart - 1) / rowsPerPart) { part in
        let top = part * rowsPerPart, rows = min(rowsPerPart, m - top)
        // Row `top` of op(A): row top of A, or column top of the stored (k, m) Aᵀ.
        let aPart = transA ? a + top : a + top * k
        product(rows: rows, columns: n, a: aPart, b: b, c: c + top * n)
    }
}

/// Multiply-adds (m·n·k) above which one GEMM is worth spreading over the cores.
let gemmSplitWork = 1 << 18

/// `count` independent GEMMs: C[i] at c + i·m·n, A[i] at a + aOffsets[i], B[i] at b + bOffsets[i].
///
/// Many small products (attention heads) run one per core; a few large ones run in
/// sequence, each split over the cores by rows.
func sgemmBatch(
    count: Int, transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, aOffsets: [Int], b: UnsafePointer<Float>, bOffsets: [Int],
    beta: Float = 0, c: UnsafeMutablePointer<Float>
) {
    nonisolated(unsafe) let a = a, b = b, c = c
    let one = { (i: Int) in
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
              a: a + aOffsets[i], b: b + bOffsets[i], beta: beta, c: c + i * m * n)
    }
    let cores = Parallel.coreCount
    if count >= 2 && (count % cores == 0 || count >= 4 * cores) {
        Parallel.forEach(count, one)
    } else {
        for i in 0..<count { one(i) }
    }
}

/// For each index of `batchShape` (row-major), the element offset of the matching
/// matrix in an input whose own batch dims `inputBatch` broadcast to `batchShape`.
func broadcastBatchOffsets(_ batchShape: [Int], _ inputBatch: [Int], matrixSize: Int) -> [Int] {
    let rank = batchShape.count
    let padded = [Int](repeating: 1, count: rank - inputBatch.count) + inputBatch
    var strides = [Int](repeating: 0, count: rank)
    var step = matrixSize
    for d in stride(from: rank - 1, through: 0, by: -1) {
        strides[d] = padded[d] == 1 ? 0 : step
        step *= padded[d]
    }
    let count = batchShape.reduce(1, *)
    return (0..<count).map { i in
        var rest = i, offset = 0
        for d in stride(from: rank - 1, through: 0, by: -1) {
            offset += (rest % batchShape[d]) * strides[d]
            rest /= batchShape[d]
        }
        return offset
    }
}
