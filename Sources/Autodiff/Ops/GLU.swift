/// Gated linear unit: split x in half along `dim` into (a, b); y = a · σ(b).
public func glu(_ x: Tensor, dim: Int) -> Tensor {
    let d = dim < 0 ? x.rank + dim : dim
    precondition(x.shape[d] % 2 == 0, "glu: dimension \(dim) of \(x.shape) is odd")
    // View x as (outer, 2, half): a = [:, 0, :], b = [:, 1, :].
    let outer = x.shape[..<d].reduce(1, *)
    let half = x.shape[d] / 2 * x.shape[(d + 1)...].reduce(1, *)
    var outShape = x.shape
    outShape[d] /= 2
    let y = Tensor(uninitializedShape: outShape)  // (outer, half)
    nonisolated(unsafe) let src = x.pointer, dst = y.pointer
    Parallel.forRanges(outer, minimum: max(1, parallelElementThreshold / max(half, 1))) { rows in
        for o in rows {
            mapBinary(GLUKernel(), src + 2 * o * half, src + (2 * o + 1) * half, dst + o * half, half)
        }
    }
    y.record("glu", inputs: [x]) { gy in
        let gx = Tensor(uninitializedShape: x.shape)  // (outer, 2, half)
        nonisolated(unsafe) let g = gy.pointer, src = x.pointer, out = gx.pointer
        Parallel.forRanges(outer, minimum: max(1, parallelElementThreshold / max(half, 1))) { rows in
            for o in rows {
                let a = src + 2 * o * half, b = a + half, ga = out + 2 * o * half, gb = ga + half, go = g + o * half
                var i = 0
                while i < half {
                    let n = min(16, half - i)
                    let av = loadPartial(a + i, n), bv = loadPartial(b + i, n), gv = loadPartial(go + i, n)
                    let s = VectorMath.sigmoid(bv)
                    storePartial(gv * s, ga + i, n)  // ∂y/∂a = σ(b)
                    storePartial(gv * av * s * (1 - s), gb + i, n)  // ∂y/∂b = a σ(b)(1 − σ(b))
                    i += 16
                }
            }
        }
        x.accumulateGrad(gx)
    }
    return y
}

struct GLUKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a * VectorMath.sigmoid(b)
    }
}
