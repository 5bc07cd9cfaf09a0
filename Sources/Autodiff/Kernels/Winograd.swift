import COpenBLAS

/// 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3): each 2×2 output
/// tile comes from a 4×4 input patch with 16 multiplies per channel pair instead of 36, so
/// the GEMM work drops 2.25×. With transforms B, G, A (Lavin & Gray, 2015):
///
///     V = Bᵀ d B (input patch)    U = G g Gᵀ (kernel)    Y = Aᵀ (Σ_c U ⊙ V) A
///
/// The sum over channels at each of the 16 transform points is a GEMM:
/// M[p] (O, tiles) = U[p] (O, C) · V[p] (C, tiles). Transform coefficients are 0, ±1 and ½,
/// so the rounding error stays at the level of the direct method.
enum Winograd {
    /// Stride 1, dilation 1, 3×3, one group: the convolutions in DiffAE's ResBlocks (and the
    /// input gradient of each, which is again such a convolution), on images of at least
    /// `minimumTiles` tiles. Decided by one image's geometry, never by the batch, so an image
    /// gets the same kernel (and the same bits) whatever it is batched with.
    static func applies(to g: ConvGeometry) -> Bool {
        g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1
            && g.groups == 1 && g.padH <= 2 && g.padW <= 2
            && ((g.outH + 1) / 2) * ((g.outW + 1) / 2) >= minimumTiles
    }

    /// Below this many 2×2 tiles per image the weight transform (16/9 the weights' size,
    /// written and then packed by the GEMMs) costs more than the multiplies it saves, and
    /// the 16 GEMMs are too narrow to run well. Measured on a loaded machine, ms of one
    /// forward at batch 1 / 16, Winograd vs im2col: 512→512 at 8×8 (16 tiles) 5.2 vs 3.4 /
    /// 67 vs 61; at 12×12 (36 tiles, about even) 13.7 vs 11.9 / 167 vs 180; 256→256 at
    /// 16×16 (64 tiles) 2.1 vs 3.1 / 28 vs 51.
    static let minimumTiles = 32

    /// Tiles per block (the GEMMs' N). Measured, CPU ms of the (8,C,·,·) 3×3 forward for
    /// C = 64/128/256 at 32 tiles: 26/21/28; 64: 24/19/23; 128: 21/18/21; 256: 20/18/20; 512: 21/17/26.
    static let targetTiles = 256

    /// Floats between one transform point's matrix and the next beyond its size (one cache
    /// line). At power-of-two sizes a tile's 16 (or 36) point values, written and read in one
    /// go, all fell in one L1 set and evicted each other. CPU time of a cpu64 batch-16 decode
    /// with F(4×4), two runs each on a noisy machine: 12.0 and 12.0 s with it, 12.4 and 13.0 s
    /// without.
    static let skew = 16

    /// U[p][o][c] = (G g_oc Gᵀ)[p] for the 16 points p. weight: (O, C, 3, 3) → U: (16, O, C).
    /// Sixteen (o, c) pairs at a time, one per SIMD lane, spread over the cores: at batch 1
    /// on small images this transform costs as much as the GEMMs it feeds (U is 16/9 the
    /// size of the weights, and each weight is used for only a few tiles).
    static func transformWeights(_ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * inChannels
        let groups = pairs / 16
        Parallel.forRanges(groups, minimum: 256) { range in
            for group in range { transformSixteenKernels(weight + group * 16 * 9, pairStride: pairs, into: u + group * 16) }
        }
        for pair in groups * 16..<pairs { transformOneKernel(weight + pair * 9, pairStride: pairs, into: u + pair) }
    }

    /// The 16 consecutive 3×3 kernels at `k` (16 × 9 floats) → u[p · pairStride + lane].
    /// The same arithmetic as `transformOneKernel`, lane by lane.
    @inline(__always)
    private static func transformSixteenKernels(_ k: UnsafePointer<Float>, pairStride: Int, into u: UnsafeMutablePointer<Float>) {
        typealias Wide = SIMD16<Float>
        @inline(__always) func tap(_ j: Int) -> Wide {
            var lanes = Wide()
            for lane in 0..<16 { lanes[lane] = k[lane * 9 + j] }
            return lanes
        }
        // G g: (4, 3), rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2 of the kernel's rows.
        var gg = (Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide(), Wide())
        withUnsafeMutableBytes(of: &gg) { raw in
            let rows = raw.baseAddress!.assumingMemoryBound(to: Wide.self)
            for j in 0..<3 {
                let (a, b, c) = (tap(j), tap(3 + j), tap(6 + j))
                rows[j] = a
                rows[3 + j] = 0.5 * (a + b + c)
                rows[6 + j] = 0.5 * (a - b + c)
                rows[9 + j] = c
            }
            // (G g) Gᵀ: the same combination along each row.
            for i in 0..<4 {
                let (a, b, c) = (rows[i * 3], rows[i * 3 + 1], rows[i * 3 + 2])
                @inline(__always) func store(_ q: Int, _ value: Wide) {
                    UnsafeMutableRawPointer(u + (i * 4 + q) * pairStride).storeBytes(of: value, as: Wide.self)
                }
                store(0, a)
                store(1, 0.5 * (a + b + c))
                store(2, 0.5 * (a - b + c))
                store(3, c)
            }
        }
    }

    /// One 3×3 kernel at `k` → u[p · pairStride] for the 16 points p.
    private static func transformOneKernel(_ k: UnsafePointer<Float>, pairStride: Int, into u: UnsafeMutablePointer<Float>) {
        var gg = SIMD16<Float>()   // (G g): 12 used; a register-sized scratch, no allocation
        for j in 0..<3 {
            let (a, b, c) = (k[j], k[3 + j], k[6 + j])
            gg[j] = a
            gg[3 + j] = 0.5 * (a + b + c)
            gg[6 + j] = 0.5 * (a - b + c)
            gg[9 + j] = c
        }
        for i in 0..<4 {
            let (a, b, c) = (gg[i * 3], gg[i * 3 + 1], gg[i * 3 + 2])
            u[(i * 4 + 0) * pairStride] = a
            u[(i * 4 + 1) * pairStride] = 0.5 * (a + b + c)
            u[(i * 4 + 2) * pairStride] = 0.5 * (a - b + c)
            u[(i * 4 + 3) * pairStride] = c
        }
    }

    /// x (N, C, H, W), w (O, C, 3, 3), bias (O)? → y (N, O, outH, outW), plus `residual` (y's
    /// shape) when given. `transformed`: w's `transformWeights` (16, O, C) made earlier (a
    /// cache), else it is made here.
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, transformed: UnsafePointer<Float>? = nil,
        bias: UnsafePointer<Float>?, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil
    ) {
        let (c, o) = (g.inChannels, g.outChannels)
        let tilesH = (g.outH + 1) / 2, tilesW = (g.outW + 1) / 2
        // Zero-padded input, every 4×4 patch in bounds: (N, C, rows, [even | odd]).
        let (rows, half) = (2 * tilesH + 2, tilesW + 1)
        let plane = rows * 2 * half
        let padded = BufferPool.shared.take(g.batch * c * plane)
        defer { BufferPool.shared.give(padded, count: g.batch * c * plane) }
        splitColumns(x, planes: g.batch * c, height: g.height, width: g.width, top: g.padH, left: g.padW,
                     rows: rows, half: half, into: padded)
        forwardBlocks(.twoByTwo, weight: weight, transformed: transformed, g, targetTiles: targetTiles, y: y, residual: residual,
                      input: { n, ch, ti, v, pointStride in
                          inputTransform(padded + (n * c + ch) * plane + 2 * ti * 2 * half, half: half, tilesW: tilesW,
                                         into: v, pointStride: pointStride)
                      },
                      output: { n, oc, ti, m, pointStride in
                          outputTransform(m, pointStride: pointStride, tilesW: tilesW, row: ti, bias: bias?[oc] ?? 0, g,
                                          into: y + (n * o + oc) * g.outPlane)
                      })
    }

    /// What both variants' forward does once the input is padded: U, the weight's transform
    /// (`transformed`, from a cache, else made here), then the batch cut into blocks of whole
    /// tile rows, and each block gets `input` for every (image, channel, tile row: V, its point
    /// stride), the point GEMMs M[p] (O, tiles) = U[p] (O, C) · V[p] (C, tiles), then `output`
    /// for every (image, output channel, tile row: M, its point stride) and the residual.
    ///
    /// Blocks lie within one image and are cut alike in every image. A block that spanned
    /// images (as it once did, for wider GEMMs on small images) put an image's tiles at
    /// batch-dependent columns of a GEMM, and OpenBLAS may round a column differently by its
    /// position: identical images then gave different outputs, which an untrained DiffAE
    /// amplified into different frames. Now an image's output never depends on its neighbours.
    static func forwardBlocks(
        _ variant: WinogradVariant, weight: UnsafePointer<Float>, transformed: UnsafePointer<Float>?, _ g: ConvGeometry,
        targetTiles: Int, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
        input: (_ image: Int, _ channel: Int, _ tileRow: Int, _ v: UnsafeMutablePointer<Float>, _ pointStride: Int) -> Void,
        output: (_ image: Int, _ outChannel: Int, _ tileRow: Int, _ m: UnsafePointer<Float>, _ pointStride: Int) -> Void
    ) {
        let (c, o, points, tileSize) = (g.inChannels, g.outChannels, variant.points, variant.tileSize)
        let fresh = transformed == nil ? BufferPool.shared.take(points * o * c) : nil
        defer { if let fresh { BufferPool.shared.give(fresh, count: points * o * c) } }
        if let fresh { variant.transformWeights(weight, outChannels: o, inChannels: c, into: fresh) }
        let u = transformed ?? UnsafePointer(fresh!)   // (points, O, C)
        let tilesH = (g.outH + tileSize - 1) / tileSize, tilesW = (g.outW + tileSize - 1) / tileSize
        let blockRows = max(1, min(tilesH, targetTiles / tilesW))
        let blocksPerImage = (tilesH + blockRows - 1) / blockRows
        let items = g.batch * blocksPerImage
        let maxTiles = blockRows * tilesW

        /// One block: its input transform, the point GEMMs and its output transform. Each step
        /// writes disjoint memory and every GEMM is the same call wherever it runs, so the
        /// result is the same whether the steps run spread over the cores or serially.
        func block(_ item: Int, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
            let (image, first) = (item / blocksPerImage, item % blocksPerImage * blockRows)
            let tileRows = first..<min(tilesH, first + blockRows)
            let tiles = tileRows.count * tilesW
            let (vStride, mStride) = (c * tiles + skew, o * tiles + skew)   // V[p], M[p] apart
            Parallel.forRanges(c, minimum: 16) { channels in
                for ch in channels {
                    for (k, ti) in tileRows.enumerated() { input(image, ch, ti, v + ch * tiles + k * tilesW, vStride) }
                }
            }
            Parallel.forEach(points) { p in
                sgemmOverwriting(m: o, n: tiles, k: c, a: u + p * o * c, lda: c, b: v + p * vStride, ldb: tiles,
                                 c: m + p * mStride, ldc: tiles)
            }
            Parallel.forRanges(o, minimum: 16) { outputs in
                for oc in outputs {
                    for (k, ti) in tileRows.enumerated() {
                        output(image, oc, ti, m + oc * tiles + k * tilesW, mStride)
                        if let residual {   // the tile row's output rows, still in cache
                            let offset = (image * o + oc) * g.outPlane + tileSize * ti * g.outW
                            SIMDLoops.addInPlace(y + offset, residual + offset, count: min(tileSize, g.outH - tileSize * ti) * g.outW)
                        }
                    }
                }
            }
        }
        let (vCount, mCount) = (points * (c * maxTiles + skew), points * (o * maxTiles + skew))   // V (points, C, tiles), M (points, O, tiles)
        if items >= 2 * Parallel.coreCount {
            // Enough blocks to go round: one block per iteration (its steps then run serially
            // inside), handed to whichever thread is free, so a worker that starts late (or a
            // busy core) does not leave the other waiting.
            Parallel.forEach(items) { item in
                let v = BufferPool.shared.take(vCount), m = BufferPool.shared.take(mCount)
                defer {
                    BufferPool.shared.give(v, count: vCount)
                    BufferPool.shared.give(m, count: mCount)
                }
                block(item, v: v, m: m)
            }
        } else {
            // A batch of one or two small images (batch-1 sampling, DiffAE's low-resolution
            // levels): one block at a time, each step spread over the cores.
            let v = BufferPool.shared.take(vCount), m = BufferPool.shared.take(mCount)
            defer {
                BufferPool.shared.give(v, count: vCount)
                BufferPool.shared.give(m, count: mCount)
            }
            for item in 0..<items { block(item, v: v, m: m) }
        }
    }

    /// Copies each (height, width) plane into a zeroed (rows, 2·half) plane at (top, left), each
    /// row stored as its even columns then its odd columns: a tile's columns 2t, 2t + 1, 2t + 2,
    /// 2t + 3 become unit-stride loads at even[t], odd[t], even[t + 1], odd[t + 1].
    private static func splitColumns(
        _ src: UnsafePointer<Float>, planes: Int, height: Int, width: Int, top: Int, left: Int,
        rows: Int, half: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let plane = rows * 2 * half
        Parallel.forEach(planes) { index in
            let to = dst + index * plane, from = src + index * height * width
            // Every element of a source row's padded row is written below (zeros at the
            // edges), so only the padding rows above and below need zeroing first.
            to.update(repeating: 0, count: top * 2 * half)
            (to + (top + height) * 2 * half).update(repeating: 0, count: max(0, rows - top - height) * 2 * half)
            for r in 0..<height {
                let row = to + (r + top) * 2 * half, line = from + r * width
                // even[k] = line[2k − left], odd[k] = line[2k + 1 − left] (0 outside the line):
                // 8 of each from one 16-wide load where it fits, single elements at the edges.
                var k = 0
                while k < half {
                    let start = 2 * k - left
                    if start >= 0 && start + 16 <= width && k + 8 <= half {
                        let pair = UnsafeRawPointer(line + start).loadUnaligned(as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(row + k).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(row + half + k).storeBytes(of: pair.oddHalf, as: SIMD8<Float>.self)
                        k += 8
                    } else {
                        row[k] = start >= 0 && start < width ? line[start] : 0
                        row[half + k] = start + 1 >= 0 && start + 1 < width ? line[start + 1] : 0
                        k += 1
                    }
                }
            }
        }
    }

    /// gw for the convolution `forward` computes: gU[p] = Σ_tiles gM[p] · V[p]ᵀ with V the input
    /// transform of x and gM = A gy_tile Aᵀ (the adjoint of the output transform), then
    /// gw = Gᵀ gU G (the adjoint of the kernel transform). Blocks are split into fixed
    /// contiguous runs per core, one partial gU each, summed in order (reproducible).
    static func weightGradient(x: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry, gw: UnsafeMutablePointer<Float>) {
        let (c, o) = (g.inChannels, g.outChannels)
        let tilesH = (g.outH + 1) / 2, tilesW = (g.outW + 1) / 2
        let (rows, half) = (2 * tilesH + 2, tilesW + 1)
        let plane = rows * 2 * half
        let padded = BufferPool.shared.take(g.batch * c * plane)        // x: (N, C, rows, [even | odd])
        let gyPlane = 2 * tilesH * 2 * tilesW
        let gySplit = BufferPool.shared.take(g.batch * o * gyPlane)     // gy: (N, O, 2·tilesH, [even | odd])
        defer {
            BufferPool.shared.give(padded, count: g.batch * c * plane)
            BufferPool.shared.give(gySplit, count: g.batch * o * gyPlane)
        }
        splitColumns(x, planes: g.batch * c, height: g.height, width: g.width, top: g.padH, left: g.padW,
                     rows: rows, half: half, into: padded)
        splitColumns(gy, planes: g.batch * o, height: g.outH, width: g.outW, top: 0, left: 0,
                     rows: 2 * tilesH, half: tilesW, into: gySplit)

        let totalRows = g.batch * tilesH
        let blockRows = max(1, min(totalRows, targetTiles / tilesW))
        let blocks = (totalRows + blockRows - 1) / blockRows
        let maxTiles = blockRows * tilesW
        let runs = max(1, min(Parallel.coreCount, blocks))
        let perRun = (blocks + runs - 1) / runs
        let uCount = 16 * o * c
        let partials = (0..<runs).map { _ in BufferPool.shared.take(uCount) }   // gU per run: (16, O, C)
        defer { for p in partials { BufferPool.shared.give(p, count: uCount) } }
        Parallel.forEach(runs) { r in
            let (vCount, gmCount) = (16 * (c * maxTiles + skew), 16 * (o * maxTiles + skew))
            let v = BufferPool.shared.take(vCount)     // (16, C, tiles)
            let gm = BufferPool.shared.take(gmCount)   // (16, O, tiles)
            defer {
                BufferPool.shared.give(v, count: vCount)
                BufferPool.shared.give(gm, count: gmCount)
            }
            let gu = partials[r]
            gu.update(repeating: 0, count: uCount)
            for block in min(blocks, r * perRun)..<min(blocks, (r + 1) * perRun) {   // may be empty with many cores
                let blockRange = block * blockRows..<min(totalRows, (block + 1) * blockRows)
                let tiles = blockRange.count * tilesW
                let (vStride, gmStride) = (c * tiles + skew, o * tiles + skew)   // V[p], gM[p] apart
                for (k, row) in blockRange.enumerated() {
                    let (n, ti) = (row / tilesH, row % tilesH)
                    for ch in 0..<c {
                        inputTransform(padded + (n * c + ch) * plane + 2 * ti * 2 * half, half: half, tilesW: tilesW,
                                       into: v + ch * tiles + k * tilesW, pointStride: vStride)
                    }
                    for oc in 0..<o {
                        outputGradientTransform(gySplit + (n * o + oc) * gyPlane + 2 * ti * 2 * tilesW, tilesW: tilesW,
                                                into: gm + oc * tiles + k * tilesW, pointStride: gmStride)
                    }
                }
                for p in 0..<16 {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(o), Int32(c), Int32(tiles),
                        1, gm + p * gmStride, Int32(tiles), v + p * vStride, Int32(tiles), 1, gu + p * o * c, Int32(c))
                }
            }
        }
        let gu = partials[0]
        for p in partials.dropFirst() { SIMDLoops.addInPlace(gu, p, count: uCount) }
        // gw[o][c] = Gᵀ gU[·][o][c] G; Gᵀ maps four values X to (X0 + ½X1 + ½X2, ½X1 − ½X2, ½X1 + ½X2 + X3).
        @inline(__always) func gTransposed(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float) {
            (a + 0.5 * (b + c), 0.5 * (b - c), 0.5 * (b + c) + d)
        }
        let pairs = o * c
        for pair in 0..<pairs {
            func at(_ i: Int, _ j: Int) -> Float { gu[(i * 4 + j) * pairs + pair] }
            let rows = (gTransposed(at(0, 0), at(0, 1), at(0, 2), at(0, 3)), gTransposed(at(1, 0), at(1, 1), at(1, 2), at(1, 3)),
                        gTransposed(at(2, 0), at(2, 1), at(2, 2), at(2, 3)), gTransposed(at(3, 0), at(3, 1), at(3, 2), at(3, 3)))  // (4, 3)
            let k = gw + pair * 9
            let col0 = gTransposed(rows.0.0, rows.1.0, rows.2.0, rows.3.0)
            let col1 = gTransposed(rows.0.1, rows.1.1, rows.2.1, rows.3.1)
            let col2 = gTransposed(rows.0.2, rows.1.2, rows.2.2, rows.3.2)
            (k[0], k[3], k[6]) = col0
            (k[1], k[4], k[7]) = col1
            (k[2], k[5], k[8]) = col2
        }
    }

    /// A's rows applied to two values: (a, b) ↦ (a, a + b, a − b, −b).
    @inline(__always)
    private static func gradientCombine<T: WinogradLane>(_ a: T, _ b: T) -> (T, T, T, T) {
        (a, a + b, a - b, -b)
    }

    /// One row of tiles of one output channel's gradient: gM[p][t] = (A gy_t Aᵀ)[p], the adjoint
    /// of `outputTransform`, 8 tiles per step. `gy` points at the tile row's two rows in
    /// [even | odd] layout (length 2·tilesW).
    @inline(__always)
    private static func outputGradientTransform(_ gy: UnsafePointer<Float>, tilesW: Int, into gm: UnsafeMutablePointer<Float>, pointStride: Int) {
        let (top, bottom) = (gy, gy + 2 * tilesW)
        var t = 0
        while t + 8 <= tilesW {
            func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p + t).loadUnaligned(as: Lanes.self) }
            @inline(__always) func store(_ i: Int, _ values: (Lanes, Lanes, Lanes, Lanes)) {
                storeFour(values, to: gm + i * 4 * pointStride + t, stride: pointStride)
            }
            let left = gradientCombine(load(top), load(bottom))                        // column 0, down the rows
            let right = gradientCombine(load(top + tilesW), load(bottom + tilesW))     // column 1
            store(0, gradientCombine(left.0, right.0))
            store(1, gradientCombine(left.1, right.1))
            store(2, gradientCombine(left.2, right.2))
            store(3, gradientCombine(left.3, right.3))
            t += 8
        }
        while t < tilesW {   // the same, one tile at a time
            @inline(__always) func store(_ i: Int, _ values: (Float, Float, Float, Float)) {
                let out = gm + i * 4 * pointStride + t
                (out[0], out[pointStride], out[2 * pointStride], out[3 * pointStride]) = values
            }
            let left = gradientCombine(top[t], bottom[t])
            let right = gradientCombine(top[tilesW + t], bottom[tilesW + t])
            store(0, gradientCombine(left.0, right.0))
            store(1, gradientCombine(left.1, right.1))
            store(2, gradientCombine(left.2, right.2))
            store(3, gradientCombine(left.3, right.3))
            t += 1
        }
    }

    typealias Lanes = SIMD8<Float>

    /// Four lane vectors to out, out + stride, out + 2·stride and out + 3·stride (unaligned).
    @inline(__always)
    private static func storeFour<L: SIMD>(_ values: (L, L, L, L), to out: UnsafeMutablePointer<Float>, stride: Int)
    where L.Scalar == Float {
        UnsafeMutableRawPointer(out).storeBytes(of: values.0, as: L.self)
        UnsafeMutableRawPointer(out + stride).storeBytes(of: values.1, as: L.self)
        UnsafeMutableRawPointer(out + 2 * stride).storeBytes(of: values.2, as: L.self)
        UnsafeMutableRawPointer(out + 3 * stride).storeBytes(of: values.3, as: L.self)
    }

    /// Bᵀ applied to four values, and also B on the other side: both combine (a, b, c, d)
    /// into (a − c, b + c, c − b, b − d).
    @inline(__always)
    private static func inputCombine<T: WinogradLane>(_ a: T, _ b: T, _ c: T, _ d: T) -> (T, T, T, T) {
        (a - c, b + c, c - b, b - d)
    }

    /// Tiles `tile` ..< `tile` + L.scalarCount of `inputTransform`, one per SIMD lane.
    @inline(__always)
    private static func inputTransformStep<L: SIMD & WinogradLane>(
        _: L.Type, rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        half: Int, tile t: Int, into v: UnsafeMutablePointer<Float>, pointStride: Int
    ) where L.Scalar == Float {
        @inline(__always) func column(_ offset: Int) -> (L, L, L, L) {
            func load(_ p: UnsafePointer<Float>) -> L { UnsafeRawPointer(p + offset).loadUnaligned(as: L.self) }
            return inputCombine(load(rows.0), load(rows.1), load(rows.2), load(rows.3))
        }
        @inline(__always) func store(_ row: Int, _ values: (L, L, L, L)) {
            storeFour(values, to: v + row * 4 * pointStride + t, stride: pointStride)
        }
        let (c0, c1, c2, c3) = (column(t), column(half + t), column(t + 1), column(half + t + 1))
        store(0, inputCombine(c0.0, c1.0, c2.0, c3.0))
        store(1, inputCombine(c0.1, c1.1, c2.1, c3.1))
        store(2, inputCombine(c0.2, c1.2, c2.2, c3.2))
        store(3, inputCombine(c0.3, c1.3, c2.3, c3.3))
    }

    /// One row of tiles: V[p][t] = (Bᵀ d_t B)[p] for t in 0..<tilesW, 16 or 8 tiles per step.
    /// `x` points at the first of the tile row's four padded rows ([even | odd], length 2·half);
    /// tile t's patch columns are even[t], odd[t], even[t + 1], odd[t + 1].
    @inline(__always)
    private static func inputTransform(
        _ x: UnsafePointer<Float>, half: Int, tilesW: Int, into v: UnsafeMutablePointer<Float>, pointStride: Int
    ) {
        let (r0, r1, r2, r3) = (x, x + 2 * half, x + 4 * half, x + 6 * half)
        var t = 0
        // 16 tiles a step where the row allows (half the loads, stores and address
        // arithmetic of two 8-tile steps), then 8; each lane's arithmetic is the same.
        while t + 16 <= tilesW {
            inputTransformStep(SIMD16<Float>.self, rows: (r0, r1, r2, r3), half: half, tile: t, into: v, pointStride: pointStride)
            t += 16
        }
        while t + 8 <= tilesW {
            inputTransformStep(Lanes.self, rows: (r0, r1, r2, r3), half: half, tile: t, into: v, pointStride: pointStride)
            t += 8
        }
        while t < tilesW {   // the same, one tile at a time
            @inline(__always) func column(_ offset: Int) -> (Float, Float, Float, Float) {
                inputCombine(r0[offset], r1[offset], r2[offset], r3[offset])
            }
            @inline(__always) func store(_ row: Int, _ values: (Float, Float, Float, Float)) {
                let out = v + row * 4 * pointStride + t
                (out[0], out[pointStride], out[2 * pointStride], out[3 * pointStride]) = values
            }
            let (c0, c1, c2, c3) = (column(t), column(half + t), column(t + 1), column(half + t + 1))
            store(0, inputCombine(c0.0, c1.0, c2.0, c3.0))
            store(1, inputCombine(c0.1, c1.1, c2.1, c3.1))
            store(2, inputCombine(c0.2, c1.2, c2.2, c3.2))
            store(3, inputCombine(c0.3, c1.3, c2.3, c3.3))
            t += 1
        }
    }

    /// Aᵀ applied to four values (and A on the other side): (a + b + c, b − c − d).
    @inline(__always)
    private static func outputCombine<T: WinogradLane>(_ a: T, _ b: T, _ c: T, _ d: T) -> (T, T) {
        (a + b + c, b - c - d)
    }

    /// One row of tiles of one output channel: y tile = Aᵀ m A + bias, 8 tiles per step, the
    /// last row and column clipped when the output size is odd. `m` points at M[0][oc][row start].
    @inline(__always)
    private static func outputTransform(
        _ m: UnsafePointer<Float>, pointStride: Int, tilesW: Int, row ti: Int, bias: Float,
        _ g: ConvGeometry, into y: UnsafeMutablePointer<Float>
    ) {
        let top = y + 2 * ti * g.outW
        let bottom: UnsafeMutablePointer<Float>? = 2 * ti + 1 < g.outH ? top + g.outW : nil
        let fullTiles = g.outW / 2      // tiles whose two columns are both inside the output
        var t = 0
        while t + 8 <= fullTiles {
            @inline(__always) func column(_ j: Int) -> (Lanes, Lanes) {
                func load(_ i: Int) -> Lanes { UnsafeRawPointer(m + (i * 4 + j) * pointStride + t).loadUnaligned(as: Lanes.self) }
                return outputCombine(load(0), load(1), load(2), load(3))
            }
            let (c0, c1, c2, c3) = (column(0), column(1), column(2), column(3))
            let b = Lanes(repeating: bias)
            let (y00, y01) = outputCombine(c0.0, c1.0, c2.0, c3.0)
            for k in 0..<8 { top[2 * (t + k)] = y00[k] + bias; top[2 * (t + k) + 1] = y01[k] + bias }
            if let bottom {
                let (y10, y11) = outputCombine(c0.1, c1.1, c2.1, c3.1)
                let (lo, hi) = (y10 + b, y11 + b)
                for k in 0..<8 { bottom[2 * (t + k)] = lo[k]; bottom[2 * (t + k) + 1] = hi[k] }
            }
            t += 8
        }
        while t < tilesW {   // the same, one tile at a time, clipping an odd last column
            @inline(__always) func column(_ j: Int) -> (Float, Float) {
                outputCombine(m[j * pointStride + t], m[(4 + j) * pointStride + t], m[(8 + j) * pointStride + t], m[(12 + j) * pointStride + t])
            }
            let (c0, c1, c2, c3) = (column(0), column(1), column(2), column(3))
            let (y00, y01) = outputCombine(c0.0, c1.0, c2.0, c3.0)
            let inside = 2 * t + 1 < g.outW
            top[2 * t] = y00 + bias
            if inside { top[2 * t + 1] = y01 + bias }
            if let bottom {
                let (y10, y11) = outputCombine(c0.1, c1.1, c2.1, c3.1)
                bottom[2 * t] = y10 + bias
                if inside { bottom[2 * t + 1] = y11 + bias }
            }
            t += 1
        }
    }
}

/// What the transforms need of a value: Float for single tiles, SIMD8 for eight at once.
protocol WinogradLane {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
}
extension Float: WinogradLane {}
extension SIMD8: WinogradLane where Scalar == Float {}
extension SIMD16: WinogradLane where Scalar == Float {}
