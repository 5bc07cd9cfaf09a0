/// Layer normalisation over the last dimension: x (…, D), each row normalised by its own
/// mean and biased variance, then scaled by weight (D)? and shifted by bias (D)?
/// (PyTorch's `layer_norm` with normalized_shape = [D]).
///
/// Forward saves the per-row mean and 1/σ; rows run in parallel. Backward computes the
/// weight and bias gradients as per-core partial sums over rows, added at the end.
public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    precondition(x.rank >= 1 && x.shape.last! > 0, "layerNorm wants x (…, D), got \(x.shape)")
    let dim = x.shape.last!
    for p in [weight, bias] { if let p { precondition(p.shape == [dim], "layerNorm affine \(p.shape) for last dimension \(dim)") } }
    let rows = x.count / dim

    let y = Tensor(uninitializedShape: x.shape)
    var mean = [Float](repeating: 0, count: rows)            // (rows)
    var rstd = [Float](repeating: 0, count: rows)            // (rows): 1 / sqrt(var + eps)
    let xp = x.pointer, yp = y.pointer, wp = weight?.pointer, bp = bias?.pointer
    mean.withUnsafeMutableBufferPointer { meanp in
        rstd.withUnsafeMutableBufferPointer { rstdp in
            Parallel.forRanges(rows, minimum: max(1, 16_384 / dim)) { range in
                for row in range {
                    let xr = xp + row * dim, yr = yp + row * dim
                    let m = Float(SIMDLoops.sumDouble(xr, count: dim) / Double(dim))
                    let variance = SIMDLoops.squaredDeviationsDouble(xr, count: dim, mean: m) / Double(dim)
                    let r = Float(1 / (variance + Double(eps)).squareRoot())
                    meanp[row] = m
                    rstdp[row] = r
                    SIMDLoops.normalize(xr, mean: m, rstd: r, weight: wp, bias: bp, into: yr, count: dim)
                }
            }
        }
    }

    y.record("layerNorm", inputs: [x] + [weight, bias].compactMap { $0 }) { [mean, rstd] gy in
        let gyp = gy.pointer
        let gx = x.requiresGrad ? Tensor(uninitializedShape: x.shape) : nil
        let wantAffine = (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false)
        let chunks = max(1, min(Parallel.coreCount, rows))
        let step = (rows + chunks - 1) / chunks
        // Per chunk: Σ gy·x̂ (D) then Σ gy (D), reduced after the parallel loop.
        var partials = [Float](repeating: 0, count: wantAffine ? chunks * 2 * dim : 0)
        partials.withUnsafeMutableBufferPointer { partialp in
            Parallel.forEach(chunks) { chunk in
                let xhat = BufferPool.shared.take(dim)           // (D) scratch
                let gxhat = BufferPool.shared.take(dim)          // (D) scratch: gy·w
                defer { BufferPool.shared.give(xhat, count: dim); BufferPool.shared.give(gxhat, count: dim) }
                for row in chunk * step..<min(rows, (chunk + 1) * step) {
                    let xr = xp + row * dim, gyr = gyp + row * dim
                    let (m, r) = (mean[row], rstd[row])
                    SIMDLoops.affine(xr, r, -m * r, into: xhat, count: dim)
                    if wantAffine {
                        let acc = partialp.baseAddress! + chunk * 2 * dim
                        for i in 0..<dim { acc[i] += gyr[i] * xhat[i] }
                        SIMDLoops.addInPlace(acc + dim, gyr, count: dim)
                    }
                    guard let gx else { continue }
                    // gx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = gy·w.
                    if let wp { for i in 0..<dim { gxhat[i] = gyr[i] * wp[i] } } else { gxhat.update(from: gyr, count: dim) }
                    let meanG = SIMDLoops.sum(gxhat, count: dim) / Float(dim)
                    let meanGXhat = SIMDLoops.dot(gxhat, xhat, count: dim) / Float(dim)
                    SIMDLoops.combine(r, gxhat, -r * meanGXhat, xhat, -r * meanG, into: gx.pointer + row * dim, count: dim)
                }
            }
        }
        if let gx { x.accumulateGrad(gx) }
        partials.withUnsafeBufferPointer { partialp in
            for (k, p) in [weight, bias].enumerated() {
                guard let p, p.requiresGrad else { continue }
                let g = Tensor(shape: [dim], repeating: 0)
                for chunk in 0..<chunks { SIMDLoops.addInPlace(g.pointer, partialp.baseAddress! + (chunk * 2 + k) * dim, count: dim) }
                p.accumulateGrad(g)
            }
        }
    }
    return y
}
