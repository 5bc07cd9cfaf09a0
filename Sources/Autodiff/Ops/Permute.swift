import COpenBLAS

/// Reordering dimensions (a real copy: tensors are always contiguous).
extension Tensor {
    /// y.shape[i] = x.shape[order[i]]. Backward permutes the gradient back.
    public func permuted(_ order: [Int]) -> Tensor {
        let order = order.map { normalizedDim($0) }
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) for shape \(shape)")
        let y = Tensor(uninitializedShape: order.map { shape[$0] })
        permuteCopy(from: pointer, shape: shape, order: order, to: y.pointer)
        y.record("permute", inputs: [self]) { [self] gy in
            var inverse = order
            for (i, o) in order.enumerated() { inverse[o] = i }
            let gx = Tensor(uninitializedShape: shape)
            permuteCopy(from: gy.pointer, shape: gy.shape, order: inverse, to: gx.pointer)
            accumulateGrad(gx)
        }
        return y
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedDim(a), normalizedDim(b))
        return permuted(order)
    }
}

/// Writes the permutation of a contiguous (shape) array into contiguous `dst`.
///
/// Output dimensions that stay contiguous in the source are merged, leaving
/// (outer…, P, Q) with source strides (…, sP, sQ). Rows with sQ = 1 are plain copies;
/// sP = 1 is a 2-D transpose, done by OpenBLAS's `somatcopy` in blocks of 64 rows;
/// anything else is gathered in 16×16 tiles so both sides stay in cache.
func permuteCopy(from src: UnsafePointer<Float>, shape: [Int], order: [Int], to dst: UnsafeMutablePointer<Float>) {
    var sourceStrides = [Int](repeating: 1, count: shape.count)
    for d in stride(from: shape.count - 2, through: 0, by: -1) { sourceStrides[d] = sourceStrides[d + 1] * shape[d + 1] }
    var sizes: [Int] = [], strides: [Int] = []
    for d in order where shape[d] != 1 {
        if let last = sizes.indices.last, strides[last] == sourceStrides[d] * shape[d] {
            sizes[last] *= shape[d]
            strides[last] = sourceStrides[d]
        } else {
            sizes.append(shape[d])
            strides.append(sourceStrides[d])
        }
    }
    while sizes.count < 2 { sizes.insert(1, at: 0); strides.insert(0, at: 0) }
    let p = sizes[sizes.count - 2], q = sizes[sizes.count - 1]
    let sP = strides[strides.count - 2], sQ = strides[strides.count - 1]
    let outerSizes = Array(sizes.dropLast(2)), outerStrides = Array(strides.dropLast(2))
    let outerCount = outerSizes.reduce(1, *)
    let tile = sP == 1 && sQ != 1 ? 64 : 16, pTiles = (p + tile - 1) / tile
    nonisolated(unsafe) let src = src, dst = dst
    Parallel.forRanges(outerCount * pTiles, minimum: max(1, parallelElementThreshold / max(tile * q, 1))) { units in
        for unit in units {
            let o = unit / pTiles, p0 = (unit % pTiles) * tile, p1 = min(p, p0 + tile)
            var rest = o, base = 0
            for d in stride(from: outerSizes.count - 1, through: 0, by: -1) {
                base += (rest % outerSizes[d]) * outerStrides[d]
                rest /= outerSizes[d]
            }
            let from = src + base, to = dst + o * p * q
            if sQ == 1 {
                for i in p0..<p1 { (to + i * q).update(from: from + i * sP, count: q) }
            } else if sP == 1 {
                // A (q, p1 − p0) block of the source with row stride sQ, transposed by BLAS.
                cblas_somatcopy(CblasRowMajor, CblasTrans, blasint(q), blasint(p1 - p0), 1,
                                from + p0, blasint(sQ), to + p0 * q, blasint(q))
            } else {
                var q0 = 0
                while q0 < q {
                    let q1 = min(q, q0 + tile)
                    for i in p0..<p1 {
                        for j in q0..<q1 { to[i * q + j] = from[i * sP + j * sQ] }
                    }
                    q0 = q1
                }
            }
        }
    }
}
