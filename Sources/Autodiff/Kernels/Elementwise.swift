/// Elementwise loops shared by the arithmetic, unary and activation ops.
///
/// A kernel is a tiny struct whose `callAsFunction` works on one `SIMD16<Float>`; the
/// loops below are generic over it, so (with whole-module optimisation) each op gets its
/// own specialised, inlined loop. The last partial vector is padded, run, and stored
/// partially, so kernels need no scalar version.
public protocol UnaryKernel {
    func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float>
}

public protocol BinaryKernel {
    func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float>
}

@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func storeVector(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// The first `n` (≤ 16) elements at `p`, zero-padded.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD16<Float> {
    if n == 16 { return loadVector(p) }
    var v = SIMD16<Float>(repeating: 0)
    for i in 0..<n { v[i] = p[i] }
    return v
}

@inline(__always)
func storePartial(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 16 { storeVector(v, p); return }
    for i in 0..<n { p[i] = v[i] }
}

/// Below this many elements a loop stays on one thread (a dispatch costs a few µs).
let parallelElementThreshold = 32_768

/// out[i] = k(x[i]) for i in 0..<n. `out` may equal `x`.
@inline(__always)
func mapUnary<K: UnaryKernel>(_ k: K, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        storeVector(k(loadVector(x + i)), out + i)
        i += 16
    }
    if i < n { storePartial(k(loadPartial(x + i, n - i)), out + i, n - i) }
}

/// out[i] = k(a[i], b[i]).
@inline(__always)
func mapBinary<K: BinaryKernel>(
    _ k: K, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
    var i = 0
    while i + 16 <= n {
        storeVector(k(loadVector(a + i), loadVector(b + i)), out + i)
        i += 16
    }
    if i < n { storePartial(k(loadPartial(a + i, n - i), loadPartial(b + i, n - i)), out + i, n - i) }
}

/// out[i] = k(a[i], b) — `b` broadcast along the row.
@inline(__always)
func mapBinary<K: BinaryKernel>(
    _ k: K, _ a: UnsafePointer<Float>, scalar b: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
    let bv = SIMD16<Float>(repeating: b)
    var i = 0
    while i + 16 <= n {
        storeVector(k(loadVector(a + i), bv), out + i)
        i += 16
    }
    if i < n { storePartial(k(loadPartial(a + i, n - i), bv), out + i, n - i) }
}

/// out[i] = k(a, b[i]) — `a` broadcast along the row.
@inline(__always)
func mapBinary<K: BinaryKernel>(
    _ k: K, scalar a: Float, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
    let av = SIMD16<Float>(repeating: a)
    var i = 0
    while i + 16 <= n {
        storeVector(k(av, loadVector(b + i)), out + i)
        i += 16
    }
    if i < n { storePartial(k(av, loadPartial(b + i, n - i)), out + i, n - i) }
}

extension Tensor {
    /// A new tensor k(x), elementwise, in parallel for large tensors.
    static func map<K: UnaryKernel>(_ x: Tensor, _ k: K) -> Tensor {
        let y = Tensor(uninitializedShape: x.shape)
        nonisolated(unsafe) let src = x.pointer, dst = y.pointer
        Parallel.forRanges(x.count, minimum: parallelElementThreshold) { r in
            mapUnary(k, src + r.lowerBound, dst + r.lowerBound, r.count)
        }
        return y
    }

    /// A new tensor k(a, b), elementwise with NumPy broadcasting (see `BroadcastPlan`).
    static func map<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape)
        let y = Tensor(uninitializedShape: shape)
        broadcastApply(k, a: a.pointer, a.shape, b: b.pointer, b.shape, out: y.pointer, shape)
        return y
    }
}

/// out = k(a, b) over `outShape`, where a and b broadcast to it. `out` may alias `a`
/// when a already has the full shape (used for in-place masking in attention).
func broadcastApply<K: BinaryKernel>(
    _ k: K, a: UnsafePointer<Float>, _ aShape: [Int], b: UnsafePointer<Float>, _ bShape: [Int],
    out: UnsafeMutablePointer<Float>, _ outShape: [Int]
) {
    guard !outShape.contains(0) else { return }
    let plan = BroadcastPlan(outShape: outShape, inputs: [aShape, bShape])
    let inner = plan.innerSize, rows = plan.rowCount
    let innerA = plan.strides[0].last!, innerB = plan.strides[1].last!
    // Work units are whole rows, or pieces of rows when there are fewer rows than cores
    // (a same-shape op is a single row).
    let piecesPerRow = rows >= Parallel.coreCount ? 1 : max(1, min(Parallel.coreCount, inner / parallelElementThreshold))
    let pieceLength = (inner + piecesPerRow - 1) / piecesPerRow
    nonisolated(unsafe) let a = a, b = b, out = out
    Parallel.forRanges(rows * piecesPerRow, minimum: max(1, parallelElementThreshold / pieceLength)) { units in
        for unit in units {
            let row = unit / piecesPerRow, start = (unit % piecesPerRow) * pieceLength
            let n = min(pieceLength, inner - start)
            guard n > 0 else { continue }
            let pa = a + plan.offset(row, input: 0) + innerA * start
            let pb = b + plan.offset(row, input: 1) + innerB * start
            let po = out + row * inner + start
            switch (innerA, innerB) {
            case (1, 1): mapBinary(k, pa, pb, po, n)
            case (1, _): mapBinary(k, pa, scalar: pb[0], po, n)
            case (_, 1): mapBinary(k, scalar: pa[0], pb, po, n)
            default:  // both constant along the row (only when b is a dummy, as in expand)
                po.update(repeating: k(SIMD16(repeating: pa[0]), SIMD16(repeating: pb[0]))[0], count: n)
            }
        }
    }
}
