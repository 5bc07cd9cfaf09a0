/// Matrix products: `matmul` (with NumPy batch broadcasting) and `linear`.

/// a (…, M, K) · b (…, K, N) → (…, M, N); the batch dims (…) broadcast.
///
/// When b has no batch (a weight), a's batch folds into M: one (batch·M, K)·(K, N) GEMM
/// forward and one per input backward. Otherwise one GEMM per batch entry.
/// Backward: ga = gy·bᵀ, gb = aᵀ·gy (transposes as BLAS flags), summed over broadcast batches.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let m = a.size(-2), k = a.size(-1), n = b.size(-1)
    precondition(b.size(-2) == k, "matmul: \(a.shape) · \(b.shape) inner dimensions differ")
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    let batch = broadcastShape(batchA, batchB)
    let y = Tensor(uninitializedShape: batch + [m, n])

    if batchB.reduce(1, *) == 1 && batchA == batch {
        // b is one matrix: fold a's batch into rows.
        let rows = batchA.reduce(1, *) * m
        sgemm(m: rows, n: n, k: k, a: a.pointer, b: b.pointer, c: y.pointer)
        y.record("matmul", inputs: [a, b]) { gy in
            if a.requiresGrad {
                let ga = Tensor(uninitializedShape: a.shape)  // (rows, K) = gy (rows, N) · bᵀ
                sgemm(transB: true, m: rows, n: k, k: n, a: gy.pointer, b: b.pointer, c: ga.pointer)
                a.accumulateGrad(ga)
            }
            if b.requiresGrad {
                let gb = Tensor(uninitializedShape: b.shape)  // (K, N) = aᵀ (K, rows) · gy (rows, N)
                sgemm(transA: true, m: k, n: n, k: rows, a: a.pointer, b: gy.pointer, c: gb.pointer)
                b.accumulateGrad(gb)
            }
        }
        return y
    }

    let count = batch.reduce(1, *)
    let aOffsets = broadcastBatchOffsets(batch, batchA, matrixSize: m * k)
    let bOffsets = broadcastBatchOffsets(batch, batchB, matrixSize: k * n)
    let yOffsets = (0..<count).map { $0 * m * n }
    sgemmBatch(count: count, m: m, n: n, k: k, a: a.pointer, aOffsets: aOffsets, b: b.pointer, bOffsets: bOffsets, c: y.pointer)
    y.record("matmul", inputs: [a, b]) { gy in
        if a.requiresGrad {
            let ga = Tensor(uninitializedShape: batch + [m, k])  // gy · bᵀ per batch
            sgemmBatch(
                count: count, transB: true, m: m, n: k, k: n,
                a: gy.pointer, aOffsets: yOffsets, b: b.pointer, bOffsets: bOffsets, c: ga.pointer)
            a.accumulateGrad(ga.summed(toShape: a.shape))
        }
        if b.requiresGrad {
            let gb = Tensor(uninitializedShape: batch + [k, n])  // aᵀ · gy per batch
            sgemmBatch(
                count: count, transA: true, m: k, n: n, k: m,
                a: a.pointer, aOffsets: aOffsets, b: gy.pointer, bOffsets: yOffsets, c: gb.pointer)
            b.accumulateGrad(gb.summed(toShape: b.shape))
        }
    }
    return y
}

/// x (…, in) · weightᵀ + bias → (…, out), with weight (out, in) and bias (out) as in PyTorch.
/// Leading dims fold into the GEMM's rows; the bias is preloaded into y so the GEMM adds
/// onto it (β = 1). Backward: gx = gy·W, gW = gyᵀ·x, gbias = column sums of gy.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2 && x.rank >= 1 && x.size(-1) == weight.size(1),
                 "linear: input \(x.shape) does not match weight \(weight.shape)")
    let inFeatures = weight.size(1), outFeatures = weight.size(0)
    if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for weight \(weight.shape)") }
    let rows = x.count / max(inFeatures, 1)
    let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])  // (rows, out)
    if let bias {
        for r in 0..<rows { (y.pointer + r * outFeatures).update(from: bias.pointer, count: outFeatures) }
    }
    sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
          a: x.pointer, b: weight.pointer, beta: bias == nil ? 0 : 1, c: y.pointer)
    y.record("linear", inputs: [x, weight] + (bias.map { [$0] } ?? [])) { gy in
        if x.requiresGrad {
            let gx = Tensor(uninitializedShape: x.shape)  // (rows, in) = gy (rows, out) · W (out, in)
            sgemm(m: rows, n: inFeatures, k: outFeatures, a: gy.pointer, b: weight.pointer, c: gx.pointer)
            x.accumulateGrad(gx)
        }
        if weight.requiresGrad {
            let gw = Tensor(uninitializedShape: weight.shape)  // (out, in) = gyᵀ (out, rows) · x (rows, in)
            sgemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: gy.pointer, b: x.pointer, c: gw.pointer)
            weight.accumulateGrad(gw)
        }
        if let bias, bias.requiresGrad {
            bias.accumulateGrad(sumToShape(gy.reshaped([rows, outFeatures]), [outFeatures]))
        }
    }
    return y
}
