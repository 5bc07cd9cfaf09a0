import Foundation

/// Softmax and log-softmax. The last dimension is the fast path (one SIMD row kernel per
/// row, rows in parallel); another `dim` is moved last, done there, and moved back.

/// e^(x − max) / Σ e^(x − max) along `dim`. Backward: gx = y·(gy − Σ gy·y) (saves y).
public func softmax(_ x: Tensor, dim: Int = -1) -> Tensor {
    let d = x.normalizedDim(dim)
    if d != x.rank - 1 { return softmax(x.transposed(d, -1), dim: -1).transposed(d, -1) }
    let length = x.size(-1), rows = x.count / max(length, 1)
    let y = Tensor(uninitializedShape: x.shape)  // (rows, length)
    softmaxRows(x.pointer, y.pointer, rows: rows, length: length)
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("softmax", inputs: [x]) { gy in
        let gx = Tensor(uninitializedShape: x.shape)
        softmaxBackwardRows(y: saved!.pointer, gy: gy.pointer, gx: gx.pointer, rows: rows, length: length)
        x.accumulateGrad(gx)
    }
    return y
}

/// x − max − log Σ e^(x − max) along `dim`. Backward: gx = gy − e^y·Σ gy (saves y).
public func logSoftmax(_ x: Tensor, dim: Int = -1) -> Tensor {
    let d = x.normalizedDim(dim)
    if d != x.rank - 1 { return logSoftmax(x.transposed(d, -1), dim: -1).transposed(d, -1) }
    let length = x.size(-1), rows = x.count / max(length, 1)
    let y = Tensor(uninitializedShape: x.shape)  // (rows, length)
    nonisolated(unsafe) let src = x.pointer, dst = y.pointer
    Parallel.forRanges(rows, minimum: max(1, parallelElementThreshold / 4 / max(length, 1))) { range in
        for r in range {
            let xr = src + r * length, yr = dst + r * length
            let maximum = rowMax(xr, length)
            let total = exponentialSum(xr, length, minus: maximum, storingInto: nil)
            let shift = maximum + Foundation.log(total)
            mapBinary(SubtractKernel(), xr, scalar: shift, yr, length)
        }
    }
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("logSoftmax", inputs: [x]) { gy in
        let gx = Tensor(uninitializedShape: x.shape)
        nonisolated(unsafe) let g = gy.pointer, yp = saved!.pointer, out = gx.pointer
        Parallel.forRanges(rows, minimum: max(1, parallelElementThreshold / 4 / max(length, 1))) { range in
            for r in range {
                let gr = g + r * length, yr = yp + r * length, o = out + r * length
                let total = horizontalSum(gr, length)
                var i = 0
                while i < length {
                    let n = min(16, length - i)
                    let v = loadPartial(gr + i, n) - total * VectorMath.exp(loadPartial(yr + i, n))
                    storePartial(v, o + i, n)
                    i += 16
                }
            }
        }
        x.accumulateGrad(gx)
    }
    return y
}

/// Row-wise softmax of (rows, length) `x` into `y` (may alias). A row whose entries are
/// all −inf (fully masked) gives zeros instead of NaN.
func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, length: Int) {
    nonisolated(unsafe) let x = x, y = y
    Parallel.forRanges(rows, minimum: max(1, parallelElementThreshold / 4 / max(length, 1))) { range in
        for r in range {
            let xr = x + r * length, yr = y + r * length
            let maximum = rowMax(xr, length)
            if maximum == -.infinity {
                yr.update(repeating: 0, count: length)
                continue
            }
            // Pass 1: e = exp(x − max) into y, summing as we go. Pass 2: scale by 1/sum.
            let total = exponentialSum(xr, length, minus: maximum, storingInto: yr)
            mapBinary(MultiplyKernel(), yr, scalar: 1 / total, yr, length)
        }
    }
}

/// gx = y·(gy − Σ gy·y) per row.
func softmaxBackwardRows(
    y: UnsafePointer<Float>, gy: UnsafePointer<Float>, gx: UnsafeMutablePointer<Float>, rows: Int, length: Int
) {
    nonisolated(unsafe) let y = y, gy = gy, gx = gx
    Parallel.forRanges(rows, minimum: max(1, parallelElementThreshold / 4 / max(length, 1))) { range in
        for r in range {
            let yr = y + r * length, gr = gy + r * length, o = gx + r * length
            var dots = SIMD16<Float>(repeating: 0)
            var i = 0
            while i + 16 <= length {
                dots = dots.addingProduct(loadVector(yr + i), loadVector(gr + i))
                i += 16
            }
            var dot = dots.sum()
            while i < length { dot += yr[i] * gr[i]; i += 1 }
            i = 0
            while i < length {
                let n = min(16, length - i)
                let yv = loadPartial(yr + i, n)
                storePartial(yv * (loadPartial(gr + i, n) - dot), o + i, n)
                i += 16
            }
        }
    }
}

/// Σ e^(x[i] − shift) over a row, also storing the terms into `y` if given.
@inline(__always)
func exponentialSum(_ x: UnsafePointer<Float>, _ length: Int, minus shift: Float, storingInto y: UnsafeMutablePointer<Float>?) -> Float {
    var sums = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= length {
        let e = VectorMath.exp(loadVector(x + i) - shift)
        if let y { storeVector(e, y + i) }
        sums += e
        i += 16
    }
    var total = sums.sum()
    if i < length {
        let n = length - i
        let e = VectorMath.exp(loadPartial(x + i, n) - shift)
        if let y { storePartial(e, y + i, n) }
        for j in 0..<n { total += e[j] }  // only the real lanes: padding would add e^(−shift)
    }
    return total
}

/// The maximum of p[0..<n] (n ≥ 1).
@inline(__always)
func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var best = SIMD16<Float>(repeating: -.infinity)
    var i = 0
    while i + 16 <= n {
        let v = loadVector(p + i)
        best = best.replacing(with: v, where: v .> best)  // stdlib pointwiseMax is not vectorised
        i += 16
    }
    var m = best.max()
    while i < n { m = Swift.max(m, p[i]); i += 1 }
    return m
}
