/// Depthwise convolution (one input and one output channel per group) as direct loops:
/// a GEMM with one row per channel would be all overhead. Each kernel tap is a shifted
/// multiply-add over whole output rows, which SIMD vectorises when the stride is 1.
enum DepthwiseConv {
    /// x (N, C, H, W), w (C, 1, kH, kW), bias (C)? → y (N, C, outH, outW). Parallel over planes.
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ g: ConvGeometry, y: UnsafeMutablePointer<Float>
    ) {
        let taps = g.kernelH * g.kernelW
        Parallel.forEach(g.batch * g.inChannels) { plane in
            let c = plane % g.inChannels
            let xp = x + plane * g.inPlane, yp = y + plane * g.outPlane
            yp.update(repeating: bias?[c] ?? 0, count: g.outPlane)
            for ki in 0..<g.kernelH {
                let rowOffset = ki * g.dilationH - g.padH
                for kj in 0..<g.kernelW {
                    let colOffset = kj * g.dilationW - g.padW
                    let w = weight[c * taps + ki * g.kernelW + kj]
                    let cols = g.validColumns(offset: colOffset)
                    for oh in g.validRows(offset: rowOffset) {
                        let out = yp + oh * g.outW
                        let src = xp + (oh * g.strideH + rowOffset) * g.width + colOffset
                        if g.strideW == 1 {
                            SIMDLoops.addScaled(out + cols.lowerBound, w, src + cols.lowerBound, count: cols.count)
                        } else {
                            for ow in cols { out[ow] += w * src[ow * g.strideW] }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint taps: gx[shifted] += w · gy and gw[tap] += Σ gy · x[shifted].
    /// Parallel over channels, so each channel's weight gradient has one writer.
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry,
        gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?
    ) {
        let taps = g.kernelH * g.kernelW
        Parallel.forEach(g.inChannels) { c in
            var tapGrad = [Double](repeating: 0, count: taps)
            for n in 0..<g.batch {
                let plane = n * g.inChannels + c
                let xp = x + plane * g.inPlane, gyp = gy + plane * g.outPlane
                let gxp = gx.map { $0 + plane * g.inPlane }
                gxp?.update(repeating: 0, count: g.inPlane)
                for ki in 0..<g.kernelH {
                    let rowOffset = ki * g.dilationH - g.padH
                    for kj in 0..<g.kernelW {
                        let colOffset = kj * g.dilationW - g.padW
                        let tap = ki * g.kernelW + kj
                        let w = weight[c * taps + tap]
                        let cols = g.validColumns(offset: colOffset)
                        var s: Float = 0
                        for oh in g.validRows(offset: rowOffset) {
                            let gyRow = gyp + oh * g.outW
                            let inRow = (oh * g.strideH + rowOffset) * g.width + colOffset
                            if g.strideW == 1 {
                                let lo = cols.lowerBound
                                if gw != nil { s += SIMDLoops.dot(gyRow + lo, xp + inRow + lo, count: cols.count) }
                                if let gxp { SIMDLoops.addScaled(gxp + inRow + lo, w, gyRow + lo, count: cols.count) }
                            } else {
                                for ow in cols {
                                    s += gyRow[ow] * xp[inRow + ow * g.strideW]
                                    gxp?[inRow + ow * g.strideW] += w * gyRow[ow]
                                }
                            }
                        }
                        tapGrad[tap] += Double(s)
                    }
                }
            }
            if let gw { for t in 0..<taps { gw[c * taps + t] = Float(tapGrad[t]) } }
        }
    }
}
