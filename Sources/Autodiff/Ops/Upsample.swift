/// Nearest-neighbour upsampling by an integer factor: x (N, C, H, W) → (N, C, H·scale, W·scale),
/// every input pixel copied into a scale × scale block (PyTorch's `mode="nearest"`).
/// Backward sums each block of the output gradient back onto its pixel.
public func upsampleNearest2d(_ x: Tensor, scale: Int = 2) -> Tensor {
    precondition(x.rank == 4 && scale >= 1, "upsampleNearest2d wants x (N,C,H,W) and scale ≥ 1, got \(x.shape), \(scale)")
    let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (h * scale, w * scale)
    let y = Tensor(uninitializedShape: [x.shape[0], x.shape[1], oh, ow])
    let xp = x.pointer, yp = y.pointer
    Parallel.forRanges(planes * h, minimum: 256) { rows in
        for row in rows {                          // one input row → `scale` output rows
            let src = xp + row * w
            let dst = yp + row * scale * ow
            for j in 0..<w {
                let v = src[j]
                for s in 0..<scale { dst[j * scale + s] = v }
            }
            for s in 1..<scale { (dst + s * ow).update(from: dst, count: ow) }
        }
    }
    y.record("upsampleNearest2d", inputs: [x]) { gy in
        let gx = Tensor(uninitializedShape: x.shape)
        let gyp = gy.pointer, gxp = gx.pointer
        Parallel.forRanges(planes * h, minimum: 256) { rows in
            for row in rows {
                let src = gyp + row * scale * ow
                let dst = gxp + row * w
                for j in 0..<w {
                    var s: Float = 0
                    for a in 0..<scale { for b in 0..<scale { s += src[a * ow + j * scale + b] } }
                    dst[j] = s
                }
            }
        }
        x.accumulateGrad(gx)
    }
    return y
}
