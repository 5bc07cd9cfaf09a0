/// Batch normalisation over channel 1: x (N, C) or (N, C, L).
///
/// Training: normalises each channel by the batch mean and biased variance over (N, L), and
/// updates `runningMean`/`runningVar` in place (they are buffers, not parameters) with
/// `momentum`, the variance unbiased, as PyTorch does. Evaluation: normalises by the running
/// statistics (or, when none are given, by the batch's, like `track_running_stats=False`).
/// weight (C)? and bias (C)? scale and shift afterwards.
public func batchNorm(
    _ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
    training: Bool, momentum: Float = 0.1, eps: Float = 1e-5
) -> Tensor {
    precondition(x.rank == 2 || x.rank == 3, "batchNorm wants x (N,C) or (N,C,L), got \(x.shape)")
    let (batch, channels) = (x.shape[0], x.shape[1])
    let length = x.rank == 3 ? x.shape[2] : 1
    for p in [runningMean, runningVar, weight, bias] {
        if let p { precondition(p.shape == [channels], "batchNorm per-channel tensor \(p.shape) for \(channels) channels") }
    }
    precondition((runningMean == nil) == (runningVar == nil), "batchNorm needs both running statistics or neither")
    let useBatchStatistics = training || runningMean == nil
    let perChannel = batch * length
    precondition(!useBatchStatistics || perChannel > 0, "batchNorm on an empty batch")

    var mean = [Float](repeating: 0, count: channels)         // (C)
    var rstd = [Float](repeating: 0, count: channels)         // (C): 1 / sqrt(var + eps)
    let xp = x.pointer
    if useBatchStatistics {
        var unbiasedVar = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            var s = 0.0
            for n in 0..<batch { s += SIMDLoops.sumDouble(xp + (n * channels + c) * length, count: length) }
            let m = Float(s / Double(perChannel))
            var ss = 0.0
            for n in 0..<batch { ss += SIMDLoops.squaredDeviationsDouble(xp + (n * channels + c) * length, count: length, mean: m) }
            mean[c] = m
            rstd[c] = Float(1 / (ss / Double(perChannel) + Double(eps)).squareRoot())
            unbiasedVar[c] = Float(ss / Double(max(perChannel - 1, 1)))
        }
        if training, let runningMean, let runningVar {
            for c in 0..<channels {
                runningMean.pointer[c] = (1 - momentum) * runningMean.pointer[c] + momentum * mean[c]
                runningVar.pointer[c] = (1 - momentum) * runningVar.pointer[c] + momentum * unbiasedVar[c]
            }
        }
    } else {
        for c in 0..<channels {
            mean[c] = runningMean!.pointer[c]
            rstd[c] = 1 / (runningVar!.pointer[c] + eps).squareRoot()
        }
    }

    let y = Tensor(uninitializedShape: x.shape)
    let yp = y.pointer, wp = weight?.pointer, bp = bias?.pointer
    Parallel.forRanges(batch * channels, minimum: max(1, 32_768 / length)) { planes in
        for plane in planes {
            let c = plane % channels
            let a = rstd[c] * (wp?[c] ?? 1)
            SIMDLoops.affine(xp + plane * length, a, (bp?[c] ?? 0) - mean[c] * a, into: yp + plane * length, count: length)
        }
    }

    y.record("batchNorm", inputs: [x] + [weight, bias].compactMap { $0 }) { [mean, rstd] gy in
        let gyp = gy.pointer
        // Per channel: Σ gy and Σ gy·x̂ over (N, L).
        var sumGy = [Double](repeating: 0, count: channels)
        var sumGyXhat = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            var sg = 0.0, sgx = 0.0
            for n in 0..<batch {
                let offset = (n * channels + c) * length
                sg += SIMDLoops.sumDouble(gyp + offset, count: length)
                sgx += SIMDLoops.dotDouble(gyp + offset, xp + offset, count: length)
            }
            sumGy[c] = sg
            sumGyXhat[c] = (sgx - Double(mean[c]) * sg) * Double(rstd[c])
        }
        if x.requiresGrad {
            // Batch statistics depend on x: gx = r·w·(gy − mean(gy) − x̂·mean(gy·x̂)).
            // Running statistics are constants: gx = r·w·gy.
            let gx = Tensor(uninitializedShape: x.shape)
            let gxp = gx.pointer
            Parallel.forRanges(batch * channels, minimum: max(1, 32_768 / length)) { planes in
                for plane in planes {
                    let c = plane % channels
                    let a = Double(rstd[c]) * Double(wp?[c] ?? 1)
                    var b = 0.0, c0 = 0.0
                    if useBatchStatistics {
                        let r = Double(rstd[c]), count = Double(perChannel)
                        b = -a * r * sumGyXhat[c] / count                       // coefficient of x
                        c0 = -a * sumGy[c] / count - b * Double(mean[c])
                    }
                    SIMDLoops.combine(Float(a), gyp + plane * length, Float(b), xp + plane * length, Float(c0),
                                      into: gxp + plane * length, count: length)
                }
            }
            x.accumulateGrad(gx)
        }
        if let weight, weight.requiresGrad {
            weight.accumulateGrad(Tensor(shape: [channels], values: sumGyXhat.map { Float($0) }))
        }
        if let bias, bias.requiresGrad {
            bias.accumulateGrad(Tensor(shape: [channels], values: sumGy.map { Float($0) }))
        }
    }
    return y
}
