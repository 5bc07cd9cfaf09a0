/// Average pooling without padding: x (N, C, H, W) → (N, C, (H − kernel) / stride + 1, (W − kernel) / stride + 1),
/// each output the mean of its kernel × kernel window (PyTorch's `avg_pool2d`, no padding, floor mode).
/// Backward spreads each output gradient evenly over its window.
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
    precondition(x.rank == 4 && kernel >= 1 && stride >= 1 && x.shape[2] >= kernel && x.shape[3] >= kernel,
                 "avgPool2d wants x (N,C,H,W) at least kernel \(kernel) wide, got \(x.shape)")
    let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    let oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1
    let scale = 1 / Float(kernel * kernel)
    let y = Tensor(uninitializedShape: [x.shape[0], x.shape[1], oh, ow])
    let xp = x.pointer, yp = y.pointer
    Parallel.forRanges(planes, minimum: 8) { range in
        for p in range {
            let src = xp + p * h * w, dst = yp + p * oh * ow
            for i in 0..<oh {
                for j in 0..<ow {
                    var s: Float = 0
                    for a in 0..<kernel { for b in 0..<kernel { s += src[(i * stride + a) * w + j * stride + b] } }
                    dst[i * ow + j] = s * scale
                }
            }
        }
    }
    y.record("avgPool2d", inputs: [x]) { gy in
        let gx = Tensor(shape: x.shape, repeating: 0)   // overlapping windows add up
        let gyp = gy.pointer, gxp = gx.pointer
        Parallel.forRanges(planes, minimum: 8) { range in
            for p in range {
                let src = gyp + p * oh * ow, dst = gxp + p * h * w
                for i in 0..<oh {
                    for j in 0..<ow {
                        let g = src[i * ow + j] * scale
                        for a in 0..<kernel { for b in 0..<kernel { dst[(i * stride + a) * w + j * stride + b] += g } }
                    }
                }
            }
        }
        x.accumulateGrad(gx)
    }
    return y
}
