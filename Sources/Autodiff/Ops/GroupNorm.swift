/// Group normalisation: x (N, C, …) split into `groups` groups of C/groups channels; each
/// (image, group) block is normalised by its own mean and biased variance, then scaled and
/// shifted per channel by weight (C)? and bias (C)? (PyTorch's `group_norm`).
///
/// Forward saves only the per-block mean and 1/σ; backward re-reads x. Both run in parallel
/// over (image, group) blocks, which are contiguous in memory.
public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let (y, mean, rstd) = normalizeGroups(x, groups: groups, weight: weight, bias: bias, eps: eps, thenInPlace: nil)
    let (batch, channels) = (x.shape[0], x.shape[1])
    let spatial = x.count / max(batch * channels, 1)
    let groupChannels = channels / groups
    let blockSize = groupChannels * spatial
    let blocks = batch * groups
    let blocksPerItem = blocksPerWorkItem(blockSize: blockSize)
    let xp = x.pointer, wp = weight?.pointer

    y.record("groupNorm", inputs: [x] + [weight, bias].compactMap { $0 }) { [mean, rstd] gy in
        let gyp = gy.pointer
        // Per (image, channel): Σ gy and Σ gy·x; everything else follows from these.
        var sumGy = [Double](repeating: 0, count: batch * channels)
        var sumGyX = [Double](repeating: 0, count: batch * channels)
        sumGy.withUnsafeMutableBufferPointer { sg in
            sumGyX.withUnsafeMutableBufferPointer { sgx in
                forEachBlockRange(batch * channels, per: blocksPerItem * groupChannels) { planes in
                    for plane in planes {
                        sg[plane] = SIMDLoops.sumDouble(gyp + plane * spatial, count: spatial)
                        sgx[plane] = SIMDLoops.dotDouble(gyp + plane * spatial, xp + plane * spatial, count: spatial)
                    }
                }
            }
        }
        if x.requiresGrad {
            // gx = r·(w·gy − mean(w·gy) − x̂·mean(w·gy·x̂)) = a_c·gy + b·x + c per block.
            let gx = Tensor(uninitializedShape: x.shape)
            let gxp = gx.pointer
            forEachBlockRange(blocks, per: blocksPerItem) { range in for block in range {
                let (n, first) = (block / groups, (block % groups) * groupChannels)
                let (m, r) = (Double(mean[block]), Double(rstd[block]))
                var sumG = 0.0, sumGXhat = 0.0                   // Σ w·gy and Σ w·gy·x̂ over the block
                for c in first..<first + groupChannels {
                    let w = Double(wp?[c] ?? 1)
                    sumG += w * sumGy[n * channels + c]
                    sumGXhat += w * (sumGyX[n * channels + c] - m * sumGy[n * channels + c]) * r
                }
                let count = Double(blockSize)
                let b = -r * r * sumGXhat / count
                let c0 = -r * sumG / count - m * b
                for c in first..<first + groupChannels {
                    let offset = (n * channels + c) * spatial
                    SIMDLoops.combine(Float(r) * (wp?[c] ?? 1), gyp + offset, Float(b), xp + offset, Float(c0),
                                      into: gxp + offset, count: spatial)
                }
            } }
            x.accumulateGrad(gx)
        }
        if let weight, weight.requiresGrad {
            let gw = Tensor(uninitializedShape: weight.shape)
            for c in 0..<channels {
                var s = 0.0
                for n in 0..<batch {
                    let block = n * groups + c / groupChannels
                    s += (sumGyX[n * channels + c] - Double(mean[block]) * sumGy[n * channels + c]) * Double(rstd[block])
                }
                gw.pointer[c] = Float(s)
            }
            weight.accumulateGrad(gw)
        }
        if let bias, bias.requiresGrad {
            let gb = Tensor(uninitializedShape: bias.shape)
            for c in 0..<channels { gb.pointer[c] = Float((0..<batch).reduce(0.0) { $0 + sumGy[$1 * channels + c] }) }
            bias.accumulateGrad(gb)
        }
    }
    return y
}

/// The forward of `groupNorm`: y, and the per-(image, group) mean and 1/σ that backward needs.
/// `then`, if given, runs on each output plane (image n, channel c: plane n·C + c) in place
/// right after the plane is written.
func normalizeGroups(
    _ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float,
    thenInPlace then: ((_ plane: Int, _ values: UnsafeMutablePointer<Float>, _ count: Int) -> Void)?
) -> (y: Tensor, mean: [Float], rstd: [Float]) {
    precondition(x.rank >= 2 && groups >= 1 && x.shape[1] % groups == 0,
                 "groupNorm wants x (N,C,…) with C divisible by groups \(groups), got \(x.shape)")
    let (batch, channels) = (x.shape[0], x.shape[1])
    for p in [weight, bias] { if let p { precondition(p.shape == [channels], "groupNorm affine \(p.shape) for \(channels) channels") } }
    let spatial = x.count / max(batch * channels, 1)       // elements per channel plane
    let groupChannels = channels / groups
    let blockSize = groupChannels * spatial                 // elements per (image, group)
    let blocks = batch * groups
    let blocksPerItem = blocksPerWorkItem(blockSize: blockSize)

    let y = Tensor(uninitializedShape: x.shape)
    var mean = [Float](repeating: 0, count: blocks)          // (N, G)
    var rstd = [Float](repeating: 0, count: blocks)          // (N, G): 1 / sqrt(var + eps)
    let xp = x.pointer, yp = y.pointer, wp = weight?.pointer, bp = bias?.pointer
    mean.withUnsafeMutableBufferPointer { meanp in
        rstd.withUnsafeMutableBufferPointer { rstdp in
            forEachBlockRange(blocks, per: blocksPerItem) { range in for block in range {
                let start = xp + block * blockSize
                let m = Float(SIMDLoops.sumDouble(start, count: blockSize) / Double(blockSize))
                let variance = SIMDLoops.squaredDeviationsDouble(start, count: blockSize, mean: m) / Double(blockSize)
                let r = Float(1 / (variance + Double(eps)).squareRoot())
                meanp[block] = m
                rstdp[block] = r
                // y = x·(r·w) + (b − m·r·w), one FMA per element.
                let firstChannel = (block % groups) * groupChannels
                for k in 0..<groupChannels {
                    let c = firstChannel + k
                    let a = r * (wp?[c] ?? 1)
                    let plane = yp + block * blockSize + k * spatial
                    SIMDLoops.affine(start + k * spatial, a, (bp?[c] ?? 0) - m * a, into: plane, count: spatial)
                    then?(block * groupChannels + k, plane, spatial)   // plane n·C + c
                }
            } }
        }
    }

    return (y, mean, rstd)
}

/// Whole (image, group) blocks per work item, ~32k elements: cheap to dispatch, and on a
/// shared machine a core that gets more CPU takes more items.
private func blocksPerWorkItem(blockSize: Int) -> Int { max(1, 32_768 / max(blockSize, 1)) }

/// `body` on consecutive ranges of `per` of 0..<count, handed to the cores one at a time.
private func forEachBlockRange(_ count: Int, per: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEach((count + per - 1) / per) { item in body(item * per..<min(count, (item + 1) * per)) }
}
