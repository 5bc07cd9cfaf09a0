/// Fused scaled dot-product attention: softmax(scale·q·kᵀ + bias, masked) · v.
///
/// q (…, Tq, D), k (…, Tk, D), v (…, Tk, Dv), with identical batch dims (…) — typically
/// (B, H). `mask` (1 = attend, 0 = blocked) and `bias` (additive, e.g. relative position)
/// broadcast to the scores (…, Tq, Tk); `bias` gets a gradient, `mask` does not.
/// `scale` defaults to 1/√D. A query whose keys are all masked gets a zero output
/// (PyTorch gives NaN there).
///
/// The score and probability matrices live in one buffer and all products are batched
/// GEMMs with BLAS transpose flags; forward saves only the probabilities P for backward:
///   dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P·(dP − Σ dP·P),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q.
public func scaledDotProductAttention(
    _ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil, bias: Tensor? = nil, scale: Float? = nil
) -> Tensor {
    precondition(q.rank >= 2 && k.rank == q.rank && v.rank == q.rank, "attention: ranks of \(q.shape), \(k.shape), \(v.shape)")
    let batchShape = Array(q.shape.dropLast(2))
    precondition(Array(k.shape.dropLast(2)) == batchShape && Array(v.shape.dropLast(2)) == batchShape,
                 "attention: batch dims of q \(q.shape), k \(k.shape), v \(v.shape) differ")
    let tq = q.size(-2), d = q.size(-1), tk = k.size(-2), dv = v.size(-1)
    precondition(k.size(-1) == d && v.size(-2) == tk, "attention: q \(q.shape), k \(k.shape), v \(v.shape)")
    let scale = scale ?? 1 / Float(d).squareRoot()
    let count = batchShape.reduce(1, *)
    let scoreShape = batchShape + [tq, tk]
    let offsets = { (size: Int) in (0..<count).map { $0 * size } }
    let qOffsets = offsets(tq * d), kOffsets = offsets(tk * d), vOffsets = offsets(tk * dv)
    let sOffsets = offsets(tq * tk), oOffsets = offsets(tq * dv)

    let probabilities = Tensor(uninitializedShape: scoreShape)  // (…, Tq, Tk): scores, then P in place
    let p = probabilities.pointer
    sgemmBatch(count: count, transB: true, m: tq, n: tk, k: d, alpha: scale,
               a: q.pointer, aOffsets: qOffsets, b: k.pointer, bOffsets: kOffsets, c: p)
    if let bias { broadcastApply(AddKernel(), a: p, scoreShape, b: bias.pointer, bias.shape, out: p, scoreShape) }
    if let mask { broadcastApply(MaskKernel(), a: p, scoreShape, b: mask.pointer, mask.shape, out: p, scoreShape) }
    softmaxRows(p, p, rows: count * tq, length: tk)
    let y = Tensor(uninitializedShape: batchShape + [tq, dv])  // (…, Tq, Dv)
    sgemmBatch(count: count, m: tq, n: dv, k: tk, a: p, aOffsets: sOffsets, b: v.pointer, bOffsets: vOffsets, c: y.pointer)

    y.record("attention", inputs: [q, k, v] + (bias.map { [$0] } ?? [])) { gy in
        if v.requiresGrad {
            let gv = Tensor(uninitializedShape: v.shape)  // Pᵀ (Tk, Tq) · dO (Tq, Dv)
            sgemmBatch(count: count, transA: true, m: tk, n: dv, k: tq,
                       a: p, aOffsets: sOffsets, b: gy.pointer, bOffsets: oOffsets, c: gv.pointer)
            v.accumulateGrad(gv)
        }
        let gs = Tensor(uninitializedShape: scoreShape)  // dP = dO (Tq, Dv) · Vᵀ, then dS in place
        sgemmBatch(count: count, transB: true, m: tq, n: tk, k: dv,
                   a: gy.pointer, aOffsets: oOffsets, b: v.pointer, bOffsets: vOffsets, c: gs.pointer)
        softmaxBackwardRows(y: p, gy: gs.pointer, gx: gs.pointer, rows: count * tq, length: tk)
        if let bias, bias.requiresGrad { bias.accumulateGrad(gs.summed(toShape: bias.shape)) }
        if q.requiresGrad {
            let gq = Tensor(uninitializedShape: q.shape)  // scale · dS (Tq, Tk) · K (Tk, D)
            sgemmBatch(count: count, m: tq, n: d, k: tk, alpha: scale,
                       a: gs.pointer, aOffsets: sOffsets, b: k.pointer, bOffsets: kOffsets, c: gq.pointer)
            q.accumulateGrad(gq)
        }
        if k.requiresGrad {
            let gk = Tensor(uninitializedShape: k.shape)  // scale · dSᵀ (Tk, Tq) · Q (Tq, D)
            sgemmBatch(count: count, transA: true, m: tk, n: d, k: tq, alpha: scale,
                       a: gs.pointer, aOffsets: sOffsets, b: q.pointer, bOffsets: qOffsets, c: gk.pointer)
            k.accumulateGrad(gk)
        }
        withExtendedLifetime(probabilities) {}
    }
    return y
}

/// score where mask ≠ 0, −inf where it is 0.
struct MaskKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ s: SIMD16<Float>, _ m: SIMD16<Float>) -> SIMD16<Float> {
        s.replacing(with: -.infinity, where: m .== 0)
    }
}
