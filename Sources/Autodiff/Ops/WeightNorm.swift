/// Weight normalisation: w = g · v / ‖v‖, the norm taken over every dimension of v except
/// `dim`, so each slice along `dim` gets its own norm and gain (torch.nn.utils.weight_norm;
/// Wav2Vec2's positional conv uses dim = 2). g holds v.shape[dim] values in any shape
/// (PyTorch keeps it as (1, …, D, …, 1)); w has v's shape.
///
/// Backward: gg_i = Σ gw·v/‖v‖_i and gv = (g_i/‖v‖_i)·gw − (g_i·Σ gw·v / ‖v‖_i³)·v.
public func weightNorm(_ v: Tensor, _ g: Tensor, dim: Int) -> Tensor {
    let axis = dim < 0 ? v.rank + dim : dim
    precondition(axis >= 0 && axis < v.rank, "weightNorm dim \(dim) out of range for \(v.shape)")
    let size = v.shape[axis]
    precondition(g.count == size, "weightNorm gain \(g.shape) needs \(size) values for dim \(dim) of \(v.shape)")
    // v viewed as (outer, size, inner).
    let outer = v.shape[..<axis].reduce(1, *), inner = v.shape[(axis + 1)...].reduce(1, *)
    let vp = v.pointer

    /// Calls body(slice index, pointer to a run of `inner` elements) for every run in v's layout.
    func forEachRun(_ base: UnsafeMutablePointer<Float>, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        for o in 0..<outer { for i in 0..<size { body(i, base + (o * size + i) * inner) } }
    }
    var squares = [Double](repeating: 0, count: size)
    forEachRun(vp) { i, run in squares[i] += SIMDLoops.dotDouble(run, run, count: inner) }
    let norms = squares.map { Float($0.squareRoot()) }          // (size)

    let w = Tensor(uninitializedShape: v.shape)
    let gp = g.pointer
    forEachRun(vp) { i, run in
        SIMDLoops.affine(run, gp[i] / norms[i], 0, into: w.pointer + (run - vp), count: inner)
    }

    w.record("weightNorm", inputs: [v, g]) { gw in
        var dots = [Double](repeating: 0, count: size)           // Σ gw·v per slice
        forEachRun(vp) { i, run in dots[i] += SIMDLoops.dotDouble(gw.pointer + (run - vp), run, count: inner) }
        if g.requiresGrad {
            g.accumulateGrad(Tensor(shape: g.shape, values: (0..<size).map { Float(dots[$0] / Double(norms[$0])) }))
        }
        if v.requiresGrad {
            let gv = Tensor(uninitializedShape: v.shape)
            forEachRun(vp) { i, run in
                let n = Double(norms[i]), gain = Double(gp[i])
                let offset = run - vp
                SIMDLoops.combine(Float(gain / n), gw.pointer + offset, Float(-gain * dots[i] / (n * n * n)), run, 0,
                                  into: gv.pointer + offset, count: inner)
            }
            v.accumulateGrad(gv)
        }
    }
    return w
}
