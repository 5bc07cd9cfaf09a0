import COpenBLAS

/// Convolution as GEMM, one image at a time: y_g = W_g · im2col(x_g) for each group g.
///
/// Images are split into one contiguous run per core, each run with its own scratch
/// buffer (and, in backward, its own weight-gradient partial), so the cores never share
/// writes; OpenBLAS runs single-threaded inside. With one image the loop is serial and
/// OpenBLAS gets every core instead.
enum ConvGEMM {
    /// Contiguous image ranges, one per core.
    private static func imageRuns(_ batch: Int) -> [Range<Int>] {
        let runs = max(1, min(batch, Parallel.coreCount))
        let step = (batch + runs - 1) / runs
        return stride(from: 0, to: batch, by: step).map { $0..<min(batch, $0 + step) }
    }

    /// Output-row tiles of about 256 pixels: (rows, offset of the tile in an output plane).
    private static func tiles(_ g: ConvGeometry) -> [(rows: Range<Int>, offset: Int)] {
        if g.isPointwise { return [(0..<g.outH, 0)] }
        return stride(from: 0, to: g.outH, by: g.tileRows).map { ($0..<min(g.outH, $0 + g.tileRows), $0 * g.outW) }
    }

    /// x (N, C, H, W), w (O, C/g, kH, kW), bias (O)? → y (N, O, outH, outW).
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ g: ConvGeometry, y: UnsafeMutablePointer<Float>
    ) {
        let (cg, og, k, plane) = (g.groupInChannels, g.groupOutChannels, g.patchSize, g.outPlane)
        let colCount = g.isPointwise ? 0 : k * g.tileRows * g.outW
        let runs = imageRuns(g.batch), tiles = tiles(g)
        Parallel.forEach(runs.count) { r in
            let col = BufferPool.shared.take(colCount)  // im2col tile: (K, tile pixels)
            defer { BufferPool.shared.give(col, count: colCount) }
            for n in runs[r] {
                for gi in 0..<g.groups {
                    let xg = x + (n * g.inChannels + gi * cg) * g.inPlane
                    let yg = y + (n * g.outChannels + gi * og) * plane  // (og, outH·outW)
                    for (rows, offset) in tiles {
                        let pixels = rows.count * g.outW
                        if !g.isPointwise { im2col(xg, channels: cg, g, rows: rows, into: col) }
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(og), Int32(pixels), Int32(k),
                            1, weight + gi * og * k, Int32(k), g.isPointwise ? xg : UnsafePointer(col), Int32(pixels),
                            0, yg + offset, Int32(plane))
                        // The bias goes on while the output tile is still in cache.
                        if let bias {
                            for o in 0..<og {
                                let row = yg + o * plane + offset
                                SIMDLoops.affine(row, 1, bias[gi * og + o], into: row, count: pixels)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Given gy (N, O, outH, outW): gx = col2im(W_gᵀ · gy_g) and gw = Σ_n gy_g · im2col(x_g)ᵀ,
    /// tile by tile. Either output may be nil when its input needs no gradient.
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry,
        gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?
    ) {
        let (cg, og, k, plane) = (g.groupInChannels, g.groupOutChannels, g.patchSize, g.outPlane)
        let colCount = g.isPointwise ? 0 : k * g.tileRows * g.outW
        let weightCount = g.outChannels * k
        var gx = gx
        if let target = gx, let transposed = transposedGeometry(g) {
            inputGradientAsConvolution(weight: weight, gy: gy, g, transposed, gx: target)
            gx = nil
            if gw == nil { return }
        }
        let runs = imageRuns(g.batch), tiles = tiles(g)
        // Run 0 writes straight into gw; the others into partials summed at the end.
        let partials = gw == nil ? [] : (1..<runs.count).map { _ in BufferPool.shared.take(weightCount) }
        defer { for p in partials { BufferPool.shared.give(p, count: weightCount) } }
        Parallel.forEach(runs.count) { r in
            let col = BufferPool.shared.take(colCount)   // im2col(x_g) tile: (K, tile pixels)
            let gcol = BufferPool.shared.take(colCount)  // its gradient
            defer { BufferPool.shared.give(col, count: colCount); BufferPool.shared.give(gcol, count: colCount) }
            let gwRun = gw == nil ? nil : r == 0 ? gw : partials[r - 1]
            for n in runs[r] {
                for gi in 0..<g.groups {
                    let xg = x + (n * g.inChannels + gi * cg) * g.inPlane
                    let gyg = gy + (n * g.outChannels + gi * og) * plane  // (og, outH·outW)
                    let wg = weight + gi * og * k                           // (og, K)
                    let gxg = gx.map { $0 + (n * g.inChannels + gi * cg) * g.inPlane }
                    if !g.isPointwise { gxg?.update(repeating: 0, count: cg * g.inPlane) }
                    for (rows, offset) in tiles {
                        let pixels = rows.count * g.outW
                        if let gwRun {
                            if !g.isPointwise { im2col(xg, channels: cg, g, rows: rows, into: col) }
                            let first = n == runs[r].lowerBound && offset == 0
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(og), Int32(k), Int32(pixels),
                                1, gyg + offset, Int32(plane), g.isPointwise ? xg : UnsafePointer(col), Int32(pixels),
                                first ? 0 : 1, gwRun + gi * og * k, Int32(k))
                        }
                        if let gxg {
                            // Pointwise: W_gᵀ · gy_g is the input gradient itself.
                            cblas_sgemm(
                                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(pixels), Int32(og),
                                1, wg, Int32(k), gyg + offset, Int32(plane), 0,
                                g.isPointwise ? gxg : gcol, Int32(pixels))
                            if !g.isPointwise { col2im(gcol, channels: cg, g, rows: rows, addingInto: gxg) }
                        }
                    }
                }
            }
        }
        if let gw {
            for p in partials { SIMDLoops.addInPlace(gw, p, count: weightCount) }
        }
    }

    /// With stride 1 the input gradient is itself a convolution: gy, padded by dilation·(k − 1) − padding,
    /// correlated with the kernel flipped in space and its in/out channels swapped. That is a
    /// forward-shaped GEMM (K = O/g·kH·kW) with no col2im, measured faster than W_gᵀ·gy + col2im.
    /// Returns its geometry, or nil when the trick does not apply.
    static func transposedGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard g.strideH == 1, g.strideW == 1, !g.isPointwise else { return nil }
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

    /// gb[o] = Σ over images and output pixels of gy[n, o, ·, ·].
    static func biasGradient(gy: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int, into gb: UnsafeMutablePointer<Float>) {
        for o in 0..<channels {
            var s = 0.0
            for n in 0..<batch { s += SIMDLoops.sumDouble(gy + (n * channels + o) * plane, count: plane) }
            gb[o] = Float(s)
        }
    }
}
