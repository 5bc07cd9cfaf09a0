/// The shape bookkeeping of a 2-D convolution (a 1-D one is a 2-D one with H = 1).
///
/// Output size per axis is PyTorch's: (in + 2·pad − dil·(k − 1) − 1) / stride + 1.
struct ConvGeometry {
    let batch: Int, inChannels: Int, height: Int, width: Int     // x (N, C, H, W)
    let outChannels: Int, kernelH: Int, kernelW: Int              // w (O, C/groups, kH, kW)
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int
    let groups: Int
    let outH: Int, outW: Int

    init(input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int) {
        precondition(input.count == 4 && weight.count == 4, "conv2d wants x (N,C,H,W) and weight (O,C/g,kH,kW), got \(input) and \(weight)")
        precondition(groups >= 1 && input[1] % groups == 0 && weight[0] % groups == 0,
                     "groups \(groups) must divide in channels \(input[1]) and out channels \(weight[0])")
        precondition(weight[1] * groups == input[1], "weight \(weight) expects \(weight[1] * groups) input channels, x has \(input[1])")
        precondition(stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
                     "bad stride \(stride), padding \(padding) or dilation \(dilation)")
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (outChannels, kernelH, kernelW) = (weight[0], weight[2], weight[3])
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
        outH = (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1
        outW = (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1
        precondition(outH >= 1 && outW >= 1, "conv output would be empty for x \(input), weight \(weight)")
    }

    var groupInChannels: Int { inChannels / groups }
    var groupOutChannels: Int { outChannels / groups }
    /// Rows of the im2col matrix of one group: C/g · kH · kW (the GEMM's K).
    var patchSize: Int { groupInChannels * kernelH * kernelW }
    var outPlane: Int { outH * outW }
    var inPlane: Int { height * width }
    /// A 1×1, stride-1, unpadded convolution: the input plane already is the im2col matrix.
    var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
    /// One input channel per group and one output channel per group (Conformer's conv module).
    var isDepthwise: Bool { groupInChannels == 1 && groupOutChannels == 1 }

    /// Output rows per im2col tile: about 256 output pixels, so a K × 256 tile stays in L2.
    /// Measured on the (8,64,64,64) 3×3 conv, CPU time of forward: 128 px 30.3 ms, 256 px 28.6,
    /// 512 px 29.9, 1024 px 30.3, untiled (4096 px) 34.4.
    var tileRows: Int { max(1, min(outH, (256 + outW - 1) / outW)) }

    /// The output columns `ow` whose input column ow·stride + offset lies inside 0..<width.
    @inline(__always)
    func validColumns(offset: Int) -> Range<Int> {
        let lo = offset >= 0 ? 0 : (-offset + strideW - 1) / strideW
        let last = width - 1 - offset
        let hi = last < 0 ? 0 : min(outW, last / strideW + 1)
        return min(lo, hi)..<hi
    }

    /// Same for rows: output rows `oh` whose input row oh·stride + offset lies inside 0..<height.
    @inline(__always)
    func validRows(offset: Int) -> Range<Int> {
        let lo = offset >= 0 ? 0 : (-offset + strideH - 1) / strideH
        let last = height - 1 - offset
        let hi = last < 0 ? 0 : min(outH, last / strideH + 1)
        return min(lo, hi)..<hi
    }
}

/// Unfolds `channels` input planes of one image into the im2col matrix, for the output rows
/// `rows` only (a tile, so the matrix stays in cache between im2col and its GEMM).
///
/// x: (channels, H, W) → col: (channels·kH·kW, rows.count·outW), row (c, ki, kj) holding the
/// input pixel each output position sees through kernel tap (ki, kj); zero in the padding.
func im2col(_ x: UnsafePointer<Float>, channels: Int, _ g: ConvGeometry, rows: Range<Int>, into col: UnsafeMutablePointer<Float>) {
    let tile = rows.count * g.outW
    for c in 0..<channels {
        let xc = x + c * g.inPlane
        for ki in 0..<g.kernelH {
            let rowOffset = ki * g.dilationH - g.padH
            let valid = g.validRows(offset: rowOffset).clamped(to: rows)
            for kj in 0..<g.kernelW {
                let colOffset = kj * g.dilationW - g.padW
                let cols = g.validColumns(offset: colOffset)
                let dst = col + ((c * g.kernelH + ki) * g.kernelW + kj) * tile   // (rows.count, outW)
                if valid.isEmpty {
                    dst.update(repeating: 0, count: tile)
                    continue
                }
                // Padding rows above and below are all zeros.
                let (above, below) = (valid.lowerBound - rows.lowerBound, rows.upperBound - valid.upperBound)
                dst.update(repeating: 0, count: above * g.outW)
                (dst + (rows.count - below) * g.outW).update(repeating: 0, count: below * g.outW)
                for oh in valid {
                    let out = dst + (oh - rows.lowerBound) * g.outW
                    let src = xc + (oh * g.strideH + rowOffset) * g.width + colOffset
                    out.update(repeating: 0, count: cols.lowerBound)
                    (out + cols.upperBound).update(repeating: 0, count: g.outW - cols.upperBound)
                    if g.strideW == 1 {
                        (out + cols.lowerBound).update(from: src + cols.lowerBound, count: cols.count)
                    } else {
                        for ow in cols { out[ow] = src[ow * g.strideW] }
                    }
                }
            }
        }
    }
}

/// `im2col` for an image with one output row (a 1-D convolution), restricted to the output
/// columns `columns`: a 10 s waveform's 16,000 positions are one row, and its whole im2col
/// matrix (1,536 × 16,000 floats for Wav2Vec2's second convolution) would never leave memory.
///
/// x: (channels, H, W) → col: (channels·kH·kW, columns.count).
func im2col(_ x: UnsafePointer<Float>, channels: Int, _ g: ConvGeometry, columns: Range<Int>, into col: UnsafeMutablePointer<Float>) {
    precondition(g.outH == 1, "column tiles are for one-row outputs")
    let width = columns.count
    for c in 0..<channels {
        let xc = x + c * g.inPlane
        for ki in 0..<g.kernelH {
            let row = ki * g.dilationH - g.padH   // the input row output row 0 sees
            for kj in 0..<g.kernelW {
                let dst = col + ((c * g.kernelH + ki) * g.kernelW + kj) * width
                let colOffset = kj * g.dilationW - g.padW
                let valid = g.validColumns(offset: colOffset).clamped(to: columns)
                guard row >= 0, row < g.height, !valid.isEmpty else {
                    dst.update(repeating: 0, count: width)
                    continue
                }
                let (before, after) = (valid.lowerBound - columns.lowerBound, columns.upperBound - valid.upperBound)
                dst.update(repeating: 0, count: before)
                (dst + width - after).update(repeating: 0, count: after)
                let src = xc + row * g.width + colOffset   // src[ow · strideW] feeds output column ow
                let out = dst - columns.lowerBound          // out[ow] is this tile's column ow
                switch g.strideW {
                case 1:
                    (out + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                case 2:
                    // Every other input: the even lanes of 32 consecutive floats (the 32nd, one
                    // past the last one used, still inside the row: hence <, not ≤).
                    var ow = valid.lowerBound
                    while ow + 16 < valid.upperBound {
                        let pair = UnsafeRawPointer(src + 2 * ow).loadUnaligned(as: SIMD32<Float>.self)
                        UnsafeMutableRawPointer(out + ow).storeBytes(of: pair.evenHalf, as: SIMD16<Float>.self)
                        ow += 16
                    }
                    while ow < valid.upperBound { out[ow] = src[2 * ow]; ow += 1 }
                default:
                    for ow in valid { out[ow] = src[ow * g.strideW] }
                }
            }
        }
    }
}

/// The adjoint of `im2col` for the same tile of output rows: adds every column entry back
/// onto the input pixel it came from. gx: (channels, H, W) is accumulated into (tiles
/// overlap on the input side), so the caller zeroes it before the first tile.
func col2im(_ col: UnsafePointer<Float>, channels: Int, _ g: ConvGeometry, rows: Range<Int>, addingInto gx: UnsafeMutablePointer<Float>) {
    let tile = rows.count * g.outW
    for c in 0..<channels {
        let gc = gx + c * g.inPlane
        for ki in 0..<g.kernelH {
            let rowOffset = ki * g.dilationH - g.padH
            let valid = g.validRows(offset: rowOffset).clamped(to: rows)
            for kj in 0..<g.kernelW {
                let colOffset = kj * g.dilationW - g.padW
                let cols = g.validColumns(offset: colOffset)
                let src = col + ((c * g.kernelH + ki) * g.kernelW + kj) * tile   // (rows.count, outW)
                for oh in valid {
                    let from = src + (oh - rows.lowerBound) * g.outW
                    let to = gc + (oh * g.strideH + rowOffset) * g.width + colOffset
                    if g.strideW == 1 {
                        SIMDLoops.addInPlace(to + cols.lowerBound, from + cols.lowerBound, count: cols.count)
                    } else {
                        for ow in cols { to[ow * g.strideW] += from[ow] }
                    }
                }
            }
        }
    }
}
