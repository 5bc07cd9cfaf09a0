import COpenBLAS
import Foundation

/// Convolution as GEMM over im2col tiles: for each image n, group g and tile of ~256 output
/// pixels, y[n, g, tile] = W_g · im2col(x[n, g], tile). A one-row output (a 1-D convolution)
/// is cut into column tiles instead, and an image that is a single tile has its output
/// channels computed in two blocks, so a single image still keeps both cores busy.
///
/// Work is cut into (image, group, tile) items. Each core has its own scratch tile (and in
/// backward its own weight-gradient partial), so the cores never share writes, and OpenBLAS
/// runs single-threaded inside. Splitting tiles rather than whole images keeps both cores
/// busy for a single image or an odd batch. Where every item writes its own output (forward,
/// and the input gradient, which is a forward) items are handed out one at a time, so on a
/// shared machine a core that gets more CPU simply takes more tiles.
enum ConvGEMM {
    /// A work item: image n, group gi, and one tile: output rows `rows`, or for a one-row
    /// output (a 1-D convolution, forward only) output columns `columns` of that row.
    private struct Item {
        let n: Int, gi: Int, rows: Range<Int>, columns: Range<Int>?

        /// Where the tile starts in an output plane, and its pixel count.
        func span(_ g: ConvGeometry) -> (offset: Int, pixels: Int) {
            if let columns { return (columns.lowerBound, columns.count) }
            return (rows.lowerBound * g.outW, rows.count * g.outW)
        }
    }

    /// One image's tiles: ~256-pixel runs of whole rows, or with `columnTiles` and one output
    /// row, runs of `columnTileWidth` columns. Cut by the geometry alone, alike in every image.
    private static func tiles(_ g: ConvGeometry, columnTiles: Bool) -> [(rows: Range<Int>, columns: Range<Int>?)] {
        let width = columnTileWidth(g)
        if columnTiles && g.outH == 1 && g.outW >= 2 * width {
            return stride(from: 0, to: g.outW, by: width).map { (0..<1, $0..<min(g.outW, $0 + width)) }
        }
        return stride(from: 0, to: g.outH, by: g.tileRows).map { (top: Int) -> (rows: Range<Int>, columns: Range<Int>?) in
            (top..<min(g.outH, top + g.tileRows), nil)
        }
    }

    /// Output columns per tile of a one-row output: an im2col tile of about 3 MB (K × width
    /// floats, a multiple of 16 columns, at least 64). Measured, serial ms on a loaded machine:
    /// Wav2Vec2's positional convolution (K = 6,144) 64 / 128 columns ≈ 60, 256+ and untiled
    /// 60-100 (erratic); its second feature convolution (K = 1,536) 512 columns or untiled
    /// ≈ 265-295, 64-256 ≈ 290-318.
    private static func columnTileWidth(_ g: ConvGeometry) -> Int {
        max(64, 786_432 / g.patchSize / 16 * 16)
    }

    private static func items(_ g: ConvGeometry, columnTiles: Bool = false) -> [Item] {
        let perImage = tiles(g, columnTiles: columnTiles)
        var items: [Item] = []
        items.reserveCapacity(g.batch * g.groups * perImage.count)
        for n in 0..<g.batch {
            for gi in 0..<g.groups {
                for tile in perImage { items.append(Item(n: n, gi: gi, rows: tile.rows, columns: tile.columns)) }
            }
        }
        return items
    }

    /// Hands out 0..<count one index at a time to whichever worker asks next.
    private final class Counter: @unchecked Sendable {
        private var next = 0
        private let count: Int
        private let lock = NSLock()
        init(_ count: Int) { self.count = count }
        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    private static func workerCount(_ items: Int) -> Int { max(1, min(items, Parallel.coreCount)) }

    /// 0..<count cut into one contiguous range per core.
    private static func runs(_ count: Int) -> [Range<Int>] {
        let parts = max(1, min(count, Parallel.coreCount))
        let step = (count + parts - 1) / parts
        return stride(from: 0, to: count, by: step).map { $0..<min(count, $0 + step) }
    }

    /// x (N, C, H, W), w (O, C/g, kH, kW), bias (O)? → y (N, O, outH, outW), plus `residual`
    /// (y's shape) when given. 3×3 stride-1 convolutions go through Winograd instead: F(4×4, 3×3)
    /// on large images, F(2×2, 3×3) on the others (`WinogradVariant`), with the weight's transform
    /// for that variant (`ConvolutionWeightCache.winogradKernels`: (36 or 16, O, C)) when the
    /// caller has it.
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, winogradKernels: UnsafePointer<Float>? = nil,
        bias: UnsafePointer<Float>?, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil
    ) {
        switch WinogradVariant(g) {
        case .fourByFour:
            WinogradF4.forward(x: x, weight: weight, transformed: winogradKernels, bias: bias, g, y: y, residual: residual)
            return
        case .twoByTwo:
            Winograd.forward(x: x, weight: weight, transformed: winogradKernels, bias: bias, g, y: y, residual: residual)
            return
        case nil:
            break
        }
        let (cg, og, k, plane) = (g.groupInChannels, g.groupOutChannels, g.patchSize, g.outPlane)
        let perImage = tiles(g, columnTiles: true)
        let tilePixels = perImage.map { $0.columns?.count ?? $0.rows.count * g.outW }.max() ?? 0
        let colCount = g.isPointwise ? 0 : k * tilePixels
        let work = items(g, columnTiles: true)

        /// Output channels `outputs` of one item: y[n, g, outputs, tile] = W_g[outputs] · col (+ bias).
        func multiply(_ item: Item, outputs: Range<Int>, col: UnsafePointer<Float>) {
            let (offset, pixels) = item.span(g)
            let xg = x + (item.n * g.inChannels + item.gi * cg) * g.inPlane        // (cg, H, W)
            let yg = y + (item.n * g.outChannels + item.gi * og) * plane           // (og, outH·outW)
            // Pointwise: the input plane is its own im2col matrix (ld = plane).
            let (b, ldb) = g.isPointwise ? (xg + offset, plane) : (col, pixels)
            sgemmOverwriting(m: outputs.count, n: pixels, k: k, a: weight + (item.gi * og + outputs.lowerBound) * k, lda: k,
                             b: b, ldb: ldb, c: yg + outputs.lowerBound * plane + offset, ldc: plane)
            // The bias (and residual) go on while the output tile is still in cache.
            if let bias {
                for o in outputs {
                    let row = yg + o * plane + offset
                    SIMDLoops.affine(row, 1, bias[item.gi * og + o], into: row, count: pixels)
                }
            }
            if let residual {
                let rg = residual + (item.n * g.outChannels + item.gi * og) * plane
                for o in outputs { SIMDLoops.addInPlace(yg + o * plane + offset, rg + o * plane + offset, count: pixels) }
            }
        }

        /// The im2col rows of input channels `channels` (of the item's group) for the item's tile.
        func unfold(_ item: Item, channels: Range<Int>, into col: UnsafeMutablePointer<Float>) {
            let xc = x + (item.n * g.inChannels + item.gi * cg + channels.lowerBound) * g.inPlane
            let to = col + channels.lowerBound * g.kernelH * g.kernelW * item.span(g).pixels
            if let columns = item.columns {
                im2col(xc, channels: channels.count, g, columns: columns, into: to)
            } else {
                im2col(xc, channels: channels.count, g, rows: item.rows, into: to)
            }
        }

        let outputBlocks = outputBlocks(g, tilesPerImage: perImage.count)
        if work.count >= Parallel.coreCount {
            let counter = Counter(work.count)
            Parallel.forEach(workerCount(work.count)) { _ in
                let col = BufferPool.shared.take(colCount)  // im2col tile: (K, tile pixels)
                defer { BufferPool.shared.give(col, count: colCount) }
                while let i = counter.take() {
                    let item = work[i]
                    if !g.isPointwise { unfold(item, channels: 0..<cg, into: col) }
                    for outputs in outputBlocks { multiply(item, outputs: outputs, col: col) }
                }
            }
        } else {
            // Fewer items than cores (one small image: DiffAE's 8×8 level at batch 1): one
            // item at a time, its im2col split by channels and its output blocks spread over the
            // cores. The GEMM calls are the ones above, so the result is the same.
            let col = BufferPool.shared.take(colCount)
            defer { BufferPool.shared.give(col, count: colCount) }
            for item in work {
                if !g.isPointwise {
                    let perChannel = g.kernelH * g.kernelW * item.span(g).pixels
                    Parallel.forRanges(cg, minimum: max(1, 16_384 / perChannel)) { unfold(item, channels: $0, into: col) }
                }
                Parallel.forEach(outputBlocks.count) { multiply(item, outputs: outputBlocks[$0], col: col) }
            }
        }
    }

    /// The output channels of a group, cut in two (at a multiple of 16) when an image is a
    /// single tile, so that one small image still feeds two GEMMs to the cores. Decided by the
    /// geometry alone, never by the batch: OpenBLAS may round a row differently when it is
    /// computed in a smaller block (measured: one 64-row GEMM and two 32-row ones differ in
    /// the last bits), so an image must get the same GEMMs in any batch.
    private static func outputBlocks(_ g: ConvGeometry, tilesPerImage: Int) -> [Range<Int>] {
        let og = g.groupOutChannels
        guard tilesPerImage == 1, og >= 32 else { return [0..<og] }
        let half = (og / 2 + 15) / 16 * 16
        return [0..<half, half..<og]
    }

    /// Given gy (N, O, outH, outW), writes gx (N, C, H, W) and gw (O, C/g, kH, kW);
    /// either may be nil when its input needs no gradient.
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry,
        gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?
    ) {
        if let gx {
            if let transposed = transposedGeometry(g) {
                inputGradientAsConvolution(weight: weight, gy: gy, g, transposed, gx: gx)
            } else {
                inputGradientByCol2im(weight: weight, gy: gy, g, gx: gx)
            }
        }
        if let gw {
            if Winograd.applies(to: g) {
                Winograd.weightGradient(x: x, gy: gy, g, gw: gw)
            } else {
                weightGradient(x: x, gy: gy, g, gw: gw)
            }
        }
    }

    /// gw_g = Σ over images and tiles of gy[n, g, tile] · im2col(x[n, g], tile)ᵀ.
    /// Each core sums a fixed contiguous run of items into its own zeroed partial (run 0 into gw
    /// itself); partials are added at the end in order. Fixed runs, unlike the forward's shared
    /// counter, make the summation order and so the gradient bit-for-bit reproducible.
    private static func weightGradient(x: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry, gw: UnsafeMutablePointer<Float>) {
        let (cg, og, k, plane) = (g.groupInChannels, g.groupOutChannels, g.patchSize, g.outPlane)
        let colCount = g.isPointwise ? 0 : k * g.tileRows * g.outW
        let weightCount = g.outChannels * k
        let work = items(g), parts = runs(work.count)
        let partials = [gw] + (1..<parts.count).map { _ in BufferPool.shared.take(weightCount) }
        defer { for p in partials.dropFirst() { BufferPool.shared.give(p, count: weightCount) } }
        Parallel.forEach(parts.count) { r in
            let col = BufferPool.shared.take(colCount)  // im2col tile: (K, tile pixels)
            defer { BufferPool.shared.give(col, count: colCount) }
            let sum = partials[r]                          // (O, K)
            sum.update(repeating: 0, count: weightCount)
            for item in work[parts[r]] {
                let (offset, pixels) = item.span(g)
                let xg = x + (item.n * g.inChannels + item.gi * cg) * g.inPlane
                let gyg = gy + (item.n * g.outChannels + item.gi * og) * plane
                if !g.isPointwise { im2col(xg, channels: cg, g, rows: item.rows, into: col) }
                let (b, ldb) = g.isPointwise ? (xg + offset, plane) : (UnsafePointer(col), pixels)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(og), Int32(k), Int32(pixels),
                    1, gyg + offset, Int32(plane), b, Int32(ldb), 1, sum + item.gi * og * k, Int32(k))
            }
        }
        for p in partials.dropFirst() { SIMDLoops.addInPlace(gw, p, count: weightCount) }
    }

    /// With stride 1 the input gradient is itself a convolution: gy, padded by dilation·(k − 1) − padding,
    /// correlated with the kernel flipped in space and its in/out channels swapped. That is a
    /// forward-shaped GEMM (K = O/g·kH·kW) with no col2im, measured faster than W_gᵀ·gy + col2im.
    /// Returns its geometry, or nil when the trick does not apply.
    static func transposedGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard g.strideH == 1, g.strideW == 1 else { return nil }
        let padding = (g.dilationH * (g.kernelH - 1) - g.padH, g.dilationW * (g.kernelW - 1) - g.padW)
        guard padding.0 >= 0, padding.1 >= 0 else { return nil }
        return ConvGeometry(
            input: [g.batch, g.outChannels, g.outH, g.outW], weight: [g.inChannels, g.groupOutChannels, g.kernelH, g.kernelW],
            stride: (1, 1), padding: padding, dilation: (g.dilationH, g.dilationW), groups: g.groups)
    }

    /// gx = conv(gy, flipped weight) over the geometry from `transposedGeometry`.
    private static func inputGradientAsConvolution(
        weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry, _ transposed: ConvGeometry,
        gx: UnsafeMutablePointer<Float>
    ) {
        let (cg, og, kh, kw) = (g.groupInChannels, g.groupOutChannels, g.kernelH, g.kernelW)
        let count = g.outChannels * g.patchSize
        let flipped = BufferPool.shared.take(count)  // (C, O/g, kH, kW)
        defer { BufferPool.shared.give(flipped, count: count) }
        for gi in 0..<g.groups {
            for o in 0..<og {
                for c in 0..<cg {
                    let from = weight + ((gi * og + o) * cg + c) * kh * kw
                    let to = flipped + ((gi * cg + c) * og + o) * kh * kw
                    for t in 0..<kh * kw { to[t] = from[kh * kw - 1 - t] }
                }
            }
        }
        forward(x: gy, weight: flipped, bias: nil, transposed, y: gx)
    }

    /// The general input gradient (strided convolutions): gcol = W_gᵀ · gy[n, g, tile], added back
    /// onto the input pixels by col2im. Runs split at whole images, because neighbouring tiles of
    /// one image add into shared input rows.
    private static func inputGradientByCol2im(
        weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry, gx: UnsafeMutablePointer<Float>
    ) {
        let (cg, og, k, plane) = (g.groupInChannels, g.groupOutChannels, g.patchSize, g.outPlane)
        let colCount = k * g.tileRows * g.outW
        let images = runs(g.batch)
        Parallel.forEach(images.count) { r in
            let gcol = BufferPool.shared.take(colCount)  // (K, tile pixels)
            defer { BufferPool.shared.give(gcol, count: colCount) }
            for n in images[r] {
                gx.advanced(by: n * g.inChannels * g.inPlane).update(repeating: 0, count: g.inChannels * g.inPlane)
                for gi in 0..<g.groups {
                    let gyg = gy + (n * g.outChannels + gi * og) * plane
                    let gxg = gx + (n * g.inChannels + gi * cg) * g.inPlane
                    for top in stride(from: 0, to: g.outH, by: g.tileRows) {
                        let rows = top..<min(g.outH, top + g.tileRows)
                        let pixels = rows.count * g.outW
                        sgemmOverwriting(transA: true, m: k, n: pixels, k: og, a: weight + gi * og * k, lda: k,
                                         b: gyg + top * g.outW, ldb: plane, c: gcol, ldc: pixels)
                        col2im(gcol, channels: cg, g, rows: rows, addingInto: gxg)
                    }
                }
            }
        }
    }

    /// gb[o] = Σ over images and output pixels of gy[n, o, ·, ·].
    static func biasGradient(gy: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int, into gb: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(channels, minimum: max(1, 65_536 / max(batch * plane, 1))) { range in
            for o in range {
                var s = 0.0
                for n in 0..<batch { s += SIMDLoops.sumDouble(gy + (n * channels + o) * plane, count: plane) }
                gb[o] = Float(s)
            }
        }
    }
}
