/// 3×3, stride-1 convolution by Winograd's F(4×4, 3×3): each 4×4 output tile comes from a
/// 6×6 input patch with 36 multiplies per channel pair instead of 144, so the GEMM work drops
/// 4× (`Winograd`'s F(2×2, 3×3) saves 2.25×), and the transformed input is 36/16 values per
/// output pixel instead of 16/4. With the points 0, ±1, ±2 and ∞ (Lavin & Gray, 2015):
///
///     V = Bᵀ d B (input patch)    U = G g Gᵀ (kernel)    Y = Aᵀ (Σ_c U ⊙ V) A
///
///     Bᵀ = ⎡4  0 −5  0 1 0⎤   G = ⎡ 1/4     0    0  ⎤   Aᵀ = ⎡1 1  1 1  1 0⎤
///          ⎢0 −4 −4  1 1 0⎥       ⎢−1/6  −1/6 −1/6 ⎥        ⎢0 1 −1 2 −2 0⎥
///          ⎢0  4 −4 −1 1 0⎥       ⎢−1/6   1/6 −1/6 ⎥        ⎢0 1  1 4  4 0⎥
///          ⎢0 −2 −1  2 1 0⎥       ⎢1/24  1/12  1/6 ⎥        ⎣0 1 −1 8 −8 1⎦
///          ⎢0  2 −1 −2 1 0⎥       ⎢1/24 −1/12  1/6 ⎥
///          ⎣0  4  0 −5 0 1⎦       ⎣  0     0    1  ⎦
///
/// The coefficients up to 8 and 1/24 cost a few bits: against a float64 direct convolution the
/// largest error is ≈ 2e-5 of the output's RMS (64–128 channels), ≈ 20× F(2×2)'s; a decoded
/// DiffAE frame moves by at most 1/255.
/// Only the forward uses it (and the input gradient, which is such a convolution); the weight
/// gradient stays with F(2×2, 3×3), whose adjoint it already has.
enum WinogradF4 {
    /// The geometries `Winograd` takes, on images of at least `minimumTiles` 4×4 tiles:
    /// DiffAE's 64×64 and 32×32 levels. Decided by one image's geometry, never by the batch.
    static func applies(to g: ConvGeometry) -> Bool {
        Winograd.applies(to: g) && ((g.outH + 3) / 4) * ((g.outW + 3) / 4) >= minimumTiles
    }

    /// Below this a block's 36 GEMMs get too narrow: 16×16 images (16 tiles here, 64 for
    /// F(2×2, 3×3)) stay with F(2×2).
    static let minimumTiles = 64

    /// Tiles per block (the GEMMs' N). V and M hold 36 points per tile, so a block of 64 tiles
    /// at 64 channels (V: 590 KB) still fits a core's L2; and a 64×64 image is four blocks,
    /// enough for both cores at batch 1 (at 128, ffhq64's batch-1 forward fell from 0.74× to
    /// 0.98× PyTorch's time: two blocks ran one after the other, each split over the cores).
    static let targetTiles = 64

    /// U[p][o][c] = (G g_oc Gᵀ)[p] for the 36 points p. weight: (O, C, 3, 3) → U: (36, O, C).
    /// Sixteen (o, c) pairs at a time, one per SIMD lane (outside an inference scope this runs on
    /// every call, and U is 4× the weights' size).
    static func transformWeights(_ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * inChannels
        let groups = pairs / 16
        Parallel.forRanges(groups, minimum: 64) { range in
            for group in range {
                let k = weight + group * 16 * 9
                transformKernels(tap: { j in
                    var lanes = SIMD16<Float>()
                    for lane in 0..<16 { lanes[lane] = k[lane * 9 + j] }
                    return lanes
                }, store: { p, value in
                    UnsafeMutableRawPointer(u + p * pairs + group * 16).storeBytes(of: value, as: SIMD16<Float>.self)
                })
            }
        }
        for pair in groups * 16..<pairs {
            transformKernels(tap: { weight[pair * 9 + $0] }, store: { p, value in u[p * pairs + pair] = value })
        }
    }

    /// G g Gᵀ of one kernel per lane: `tap(j)` gives tap j (row-major 3×3) of each lane's
    /// kernel, `store(p, value)` takes point p's value.
    @inline(__always)
    private static func transformKernels<L: WinogradF4Lane>(tap: (Int) -> L, store: (Int, L) -> Void) {
        // G g (6, 3): G down each of the kernel's three columns.
        let columns = (kernelCombine(tap(0), tap(3), tap(6)), kernelCombine(tap(1), tap(4), tap(7)),
                       kernelCombine(tap(2), tap(5), tap(8)))
        // (G g) Gᵀ: the same along each of its six rows.
        @inline(__always) func row(_ i: Int, _ a: L, _ b: L, _ c: L) {
            let r = kernelCombine(a, b, c)
            store(i * 6, r.0); store(i * 6 + 1, r.1); store(i * 6 + 2, r.2)
            store(i * 6 + 3, r.3); store(i * 6 + 4, r.4); store(i * 6 + 5, r.5)
        }
        row(0, columns.0.0, columns.1.0, columns.2.0)
        row(1, columns.0.1, columns.1.1, columns.2.1)
        row(2, columns.0.2, columns.1.2, columns.2.2)
        row(3, columns.0.3, columns.1.3, columns.2.3)
        row(4, columns.0.4, columns.1.4, columns.2.4)
        row(5, columns.0.5, columns.1.5, columns.2.5)
    }

    /// G applied to a kernel's three taps.
    @inline(__always)
    private static func kernelCombine<L: WinogradF4Lane>(_ a: L, _ b: L, _ c: L) -> (L, L, L, L, L, L) {
        let even = a + c, quarterEven = Float(1.0 / 24) * a + Float(1.0 / 6) * c
        return (0.25 * a, Float(-1.0 / 6) * (even + b), Float(-1.0 / 6) * (even - b),
                quarterEven + Float(1.0 / 12) * b, quarterEven - Float(1.0 / 12) * b, c)
    }

    /// x (N, C, H, W), w (O, C, 3, 3), bias (O)? → y (N, O, outH, outW), plus `residual` (y's
    /// shape) when given. `transformed`: w's `transformWeights` (36, O, C) made earlier (a
    /// cache), else it is made here.
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, transformed: UnsafePointer<Float>? = nil,
        bias: UnsafePointer<Float>?, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil
    ) {
        let (c, o) = (g.inChannels, g.outChannels)
        let tilesH = (g.outH + 3) / 4, tilesW = (g.outW + 3) / 4
        // Zero-padded input, every 6×6 patch in bounds: (N, C, rows, [phase 0 | 1 | 2 | 3]).
        let (rows, quarter) = (4 * tilesH + 2, tilesW + 1)
        let plane = rows * 4 * quarter
        let padded = BufferPool.shared.take(g.batch * c * plane)
        defer { BufferPool.shared.give(padded, count: g.batch * c * plane) }
        splitColumns(x, planes: g.batch * c, height: g.height, width: g.width, top: g.padH, left: g.padW,
                     rows: rows, quarter: quarter, into: padded)
        Winograd.forwardBlocks(.fourByFour, weight: weight, transformed: transformed, g, targetTiles: targetTiles,
                               y: y, residual: residual,
                               input: { n, ch, ti, v, pointStride in
                                   inputTransform(padded + (n * c + ch) * plane + 4 * ti * 4 * quarter, quarter: quarter,
                                                  tilesW: tilesW, into: v, pointStride: pointStride)
                               },
                               output: { n, oc, ti, m, pointStride in
                                   outputTransform(m, pointStride: pointStride, tilesW: tilesW, row: ti, bias: bias?[oc] ?? 0, g,
                                                   into: y + (n * o + oc) * g.outPlane)
                               })
    }

    /// Copies each (height, width) plane into a zeroed (rows, 4·quarter) plane at (top, left),
    /// each row stored as its four column phases: phase q holds columns q, q + 4, q + 8, …, so
    /// tile t's six columns 4t … 4t + 5 are unit-stride loads at phase 0…3 [t] and phase 0, 1 [t + 1].
    private static func splitColumns(
        _ src: UnsafePointer<Float>, planes: Int, height: Int, width: Int, top: Int, left: Int,
        rows: Int, quarter: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let rowLength = 4 * quarter, plane = rows * rowLength
        Parallel.forEach(planes) { index in
            let to = dst + index * plane, from = src + index * height * width
            // Every element of a source row's padded row is written below (zeros at the
            // edges), so only the padding rows above and below need zeroing first.
            to.update(repeating: 0, count: top * rowLength)
            (to + (top + height) * rowLength).update(repeating: 0, count: max(0, rows - top - height) * rowLength)
            // Each row goes through a zero-edged line first (left padding, the row, zeros to a
            // multiple of 16), so that every phase comes from whole 16-wide loads.
            let lineLength = (max(rowLength, left + width) + 15) / 16 * 16
            withUnsafeTemporaryAllocation(of: Float.self, capacity: lineLength) { buffer in
                let line = buffer.baseAddress!
                line.update(repeating: 0, count: lineLength)
                for r in 0..<height {
                    (line + left).update(from: from + r * width, count: width)
                    let row = to + (r + top) * rowLength
                    var k = 0   // phase q [k] = line[4k + q]
                    while k + 4 <= quarter {
                        let sixteen = UnsafeRawPointer(line + 4 * k).loadUnaligned(as: SIMD16<Float>.self)
                        let (even, odd) = (sixteen.evenHalf, sixteen.oddHalf)
                        UnsafeMutableRawPointer(row + k).storeBytes(of: even.evenHalf, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(row + quarter + k).storeBytes(of: odd.evenHalf, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(row + 2 * quarter + k).storeBytes(of: even.oddHalf, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(row + 3 * quarter + k).storeBytes(of: odd.oddHalf, as: SIMD4<Float>.self)
                        k += 4
                    }
                    while k < quarter {
                        for q in 0..<4 { row[q * quarter + k] = line[4 * k + q] }
                        k += 1
                    }
                }
            }
        }
    }

    /// Bᵀ applied to six values, and B on the other side.
    @inline(__always)
    private static func inputCombine<T: WinogradF4Lane>(_ a: T, _ b: T, _ c: T, _ d: T, _ e: T, _ f: T) -> (T, T, T, T, T, T) {
        let (u, w) = (e - 4 * c, d - 4 * b)          // rows 1, 2: u ± w
        let (u2, w2) = (e - c, 2 * (d - b))          // rows 3, 4: u2 ± w2
        return (4 * a - 5 * c + e, u + w, u - w, u2 + w2, u2 - w2, 4 * b - 5 * d + f)
    }

    /// Tiles t ..< t + L.scalarCount of one tile row, one per lane (L = Float: one tile):
    /// V[p][t] = (Bᵀ d_t B)[p]. `rows` are the tile row's six padded rows.
    @inline(__always)
    private static func inputTransformStep<L: WinogradF4Lane>(
        _ load: (UnsafePointer<Float>) -> L, _ store: (L, UnsafeMutablePointer<Float>) -> Void,
        rows: UnsafePointer<Float>, rowLength: Int, quarter: Int, tile t: Int, into v: UnsafeMutablePointer<Float>, pointStride: Int
    ) {
        // Column j of the patch: phase j % 4 at tile t + j / 4.
        let offsets = (t, quarter + t, 2 * quarter + t, 3 * quarter + t, t + 1, quarter + t + 1)
        @inline(__always) func column(_ offset: Int) -> (L, L, L, L, L, L) {
            let p = rows + offset
            return inputCombine(load(p), load(p + rowLength), load(p + 2 * rowLength), load(p + 3 * rowLength),
                                load(p + 4 * rowLength), load(p + 5 * rowLength))
        }
        let columns = (column(offsets.0), column(offsets.1), column(offsets.2), column(offsets.3), column(offsets.4), column(offsets.5))
        @inline(__always) func emit(_ i: Int, _ values: (L, L, L, L, L, L)) {
            let out = v + i * 6 * pointStride + t
            store(values.0, out)
            store(values.1, out + pointStride)
            store(values.2, out + 2 * pointStride)
            store(values.3, out + 3 * pointStride)
            store(values.4, out + 4 * pointStride)
            store(values.5, out + 5 * pointStride)
        }
        emit(0, inputCombine(columns.0.0, columns.1.0, columns.2.0, columns.3.0, columns.4.0, columns.5.0))
        emit(1, inputCombine(columns.0.1, columns.1.1, columns.2.1, columns.3.1, columns.4.1, columns.5.1))
        emit(2, inputCombine(columns.0.2, columns.1.2, columns.2.2, columns.3.2, columns.4.2, columns.5.2))
        emit(3, inputCombine(columns.0.3, columns.1.3, columns.2.3, columns.3.3, columns.4.3, columns.5.3))
        emit(4, inputCombine(columns.0.4, columns.1.4, columns.2.4, columns.3.4, columns.4.4, columns.5.4))
        emit(5, inputCombine(columns.0.5, columns.1.5, columns.2.5, columns.3.5, columns.4.5, columns.5.5))
    }

    /// One row of tiles of one channel, 8 tiles per step, then one at a time. `x` points at the
    /// first of the tile row's six padded rows.
    @inline(__always)
    private static func inputTransform(
        _ x: UnsafePointer<Float>, quarter: Int, tilesW: Int, into v: UnsafeMutablePointer<Float>, pointStride: Int
    ) {
        let rowLength = 4 * quarter
        var t = 0
        while t + 8 <= tilesW {
            inputTransformStep({ UnsafeRawPointer($0).loadUnaligned(as: SIMD8<Float>.self) },
                               { UnsafeMutableRawPointer($1).storeBytes(of: $0, as: SIMD8<Float>.self) },
                               rows: x, rowLength: rowLength, quarter: quarter, tile: t, into: v, pointStride: pointStride)
            t += 8
        }
        while t < tilesW {
            inputTransformStep({ $0.pointee }, { $1.pointee = $0 },
                               rows: x, rowLength: rowLength, quarter: quarter, tile: t, into: v, pointStride: pointStride)
            t += 1
        }
    }

    /// Aᵀ applied to six values (and A on the other side).
    @inline(__always)
    private static func outputCombine<T: WinogradF4Lane>(_ m0: T, _ m1: T, _ m2: T, _ m3: T, _ m4: T, _ m5: T) -> (T, T, T, T) {
        let (s12, d12, s34, d34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4)
        return (m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5)
    }

    /// One row of tiles of one output channel: y tile = Aᵀ m A + bias, 8 tiles per step, the
    /// last rows and columns clipped when the output size is not a multiple of 4. `m` points at
    /// M[0][oc][row start].
    @inline(__always)
    private static func outputTransform(
        _ m: UnsafePointer<Float>, pointStride: Int, tilesW: Int, row ti: Int, bias: Float,
        _ g: ConvGeometry, into y: UnsafeMutablePointer<Float>
    ) {
        let outRows = min(4, g.outH - 4 * ti)
        let top = y + 4 * ti * g.outW
        /// Tiles t ..< t + lanes: the 4×4 outputs, by output row then column.
        @inline(__always) func tileOutputs<L: WinogradF4Lane>(_ load: (UnsafePointer<Float>) -> L, at t: Int) -> FourByFour<L> {
            @inline(__always) func column(_ j: Int) -> (L, L, L, L) {
                let p = m + j * pointStride + t
                return outputCombine(load(p), load(p + 6 * pointStride), load(p + 12 * pointStride), load(p + 18 * pointStride),
                                     load(p + 24 * pointStride), load(p + 30 * pointStride))
            }
            let (c0, c1, c2, c3, c4, c5) = (column(0), column(1), column(2), column(3), column(4), column(5))
            return FourByFour(rows: (outputCombine(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0), outputCombine(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1),
                                     outputCombine(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2), outputCombine(c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)))
        }
        let fullTiles = g.outW / 4      // tiles whose four columns are all inside the output
        var t = 0
        while t + 8 <= fullTiles {
            let rows = tileOutputs({ UnsafeRawPointer($0).loadUnaligned(as: SIMD8<Float>.self) }, at: t)
            let b = SIMD8<Float>(repeating: bias)
            for r in 0..<outRows {
                let row = rows[r]
                let (y0, y1, y2, y3) = (row.0 + b, row.1 + b, row.2 + b, row.3 + b)
                let out = top + r * g.outW + 4 * t
                for k in 0..<8 { (out[4 * k], out[4 * k + 1], out[4 * k + 2], out[4 * k + 3]) = (y0[k], y1[k], y2[k], y3[k]) }
            }
            t += 8
        }
        while t < tilesW {   // the same, one tile at a time, clipping a short last tile
            let rows = tileOutputs({ $0.pointee }, at: t)
            let columns = min(4, g.outW - 4 * t)
            for r in 0..<outRows {
                let (row, out) = (rows[r], top + r * g.outW + 4 * t)
                out[0] = row.0 + bias
                if columns > 1 { out[1] = row.1 + bias }
                if columns > 2 { out[2] = row.2 + bias }
                if columns > 3 { out[3] = row.3 + bias }
            }
            t += 1
        }
    }
}

/// A 4×4 output tile (or 8 of them, one per lane), by row then column; rows by subscript
/// without an array's allocation.
private struct FourByFour<L> {
    var rows: ((L, L, L, L), (L, L, L, L), (L, L, L, L), (L, L, L, L))
    subscript(r: Int) -> (L, L, L, L) {
        switch r {
        case 0: rows.0
        case 1: rows.1
        case 2: rows.2
        default: rows.3
        }
    }
}

/// What the F(4×4, 3×3) transforms need of a value: F(2×2)'s sums and differences, and a
/// product with a constant.
protocol WinogradF4Lane: WinogradLane {
    static func * (a: Float, b: Self) -> Self
}
extension Float: WinogradF4Lane {}
extension SIMD8: WinogradF4Lane where Scalar == Float {}
extension SIMD16: WinogradF4Lane where Scalar == Float {}
