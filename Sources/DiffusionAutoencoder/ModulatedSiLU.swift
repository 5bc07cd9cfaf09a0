import Foundation
import NeuralNetworks

/// silu(h·scale + shift) with one scale and one shift per (image, channel) plane: the
/// conditioning step of every DiffAE ResBlock (after GroupNorm, before dropout and conv).
/// h (N, C, …), scale and shift (N, C) → (N, C, …).
///
/// One pass instead of three (multiply, add, SiLU, each writing a full-size tensor), and
/// one backward pass that also forms the per-plane sums for scale and shift. Saves nothing:
/// backward recomputes u = h·scale + shift from the inputs.
///   dy/du = σ(u)(1 + u(1 − σ(u))),  dh = g·dy/du·scale,  dscale = Σ g·dy/du·h,  dshift = Σ g·dy/du
public func modulatedSiLU(_ h: Tensor, scale: Tensor, shift: Tensor) -> Tensor {
    precondition(h.rank >= 2 && scale.shape == [h.shape[0], h.shape[1]] && shift.shape == scale.shape,
                 "modulatedSiLU: h \(h.shape), scale \(scale.shape), shift \(shift.shape)")
    let planes = scale.count, plane = h.count / max(planes, 1)
    let minimumPlanes = max(1, 32_768 / max(plane, 1))
    let y = Tensor(uninitializedShape: h.shape)
    let hp = h.pointer, yp = y.pointer, sp = scale.pointer, bp = shift.pointer
    Parallel.forRanges(planes, minimum: minimumPlanes) { range in
        for p in range { modulateAndActivate(hp + p * plane, scale: sp[p], shift: bp[p], into: yp + p * plane, count: plane) }
    }

    y.record("modulatedSiLU", inputs: [h, scale, shift]) { gy in
        let gh = h.requiresGrad ? Tensor(uninitializedShape: h.shape) : nil
        let gScale = Tensor(uninitializedShape: scale.shape), gShift = Tensor(uninitializedShape: shift.shape)
        let gp = gy.pointer, ghp = gh?.pointer, gsp = gScale.pointer, gbp = gShift.pointer
        Parallel.forRanges(planes, minimum: minimumPlanes) { range in
            for p in range {
                let a = sp[p], b = bp[p], offset = p * plane
                var sumScale = Vector(repeating: 0), sumShift = Vector(repeating: 0)
                var tailScale: Float = 0, tailShift: Float = 0
                var i = 0
                while i + 16 <= plane {
                    let x = load(hp + offset + i)
                    let u = Vector(repeating: b).addingProduct(x, Vector(repeating: a))
                    let s = VectorMath.sigmoid(u)
                    let gu = load(gp + offset + i) * s * (1 + u * (1 - s))  // dL/du
                    sumShift += gu
                    sumScale = sumScale.addingProduct(gu, x)
                    if let ghp { store(gu * a, ghp + offset + i) }
                    i += 16
                }
                while i < plane {
                    let x = hp[offset + i], u = x * a + b
                    let s = 1 / (1 + Foundation.exp(-u))
                    let gu = gp[offset + i] * s * (1 + u * (1 - s))
                    tailShift += gu
                    tailScale += gu * x
                    ghp?[offset + i] = gu * a
                    i += 1
                }
                gsp[p] = sumScale.sum() + tailScale
                gbp[p] = sumShift.sum() + tailShift
            }
        }
        if let gh { h.accumulateGrad(gh) }
        if scale.requiresGrad { scale.accumulateGrad(gScale) }
        if shift.requiresGrad { shift.accumulateGrad(gShift) }
    }
    return y
}

/// modulatedSiLU(groupNorm(h)) with DiffAE's GroupNorm `norm`: at inference in one pass, each
/// plane modulated and activated in place as soon as it is normalised; the same bits as the
/// two ops, which do the same arithmetic plane by plane.
public func normalizedModulatedSiLU(_ h: Tensor, norm: GroupNorm, scale: Tensor, shift: Tensor) -> Tensor {
    if Tensor.needsGrad(h, scale, shift, norm.weight, norm.bias) { return modulatedSiLU(norm(h), scale: scale, shift: shift) }
    precondition(h.rank >= 2 && scale.shape == [h.shape[0], h.shape[1]] && shift.shape == scale.shape,
                 "normalizedModulatedSiLU: h \(h.shape), scale \(scale.shape), shift \(shift.shape)")
    let sp = scale.pointer, bp = shift.pointer
    return groupNorm(h, groups: norm.groups, weight: norm.weight, bias: norm.bias, eps: norm.eps) { p, values, count in
        modulateAndActivate(values, scale: sp[p], shift: bp[p], into: values, count: count)
    }
}

/// dst[i] = silu(src[i]·scale + shift) over one plane (dst may be src).
@inline(__always)
private func modulateAndActivate(_ src: UnsafePointer<Float>, scale a: Float, shift b: Float,
                                 into dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 16 <= count {
        let u = Vector(repeating: b).addingProduct(load(src + i), Vector(repeating: a))
        store(u * VectorMath.sigmoid(u), dst + i)
        i += 16
    }
    while i < count {
        let u = src[i] * a + b
        dst[i] = u / (1 + Foundation.exp(-u))
        i += 1
    }
}

private typealias Vector = SIMD16<Float>

@inline(__always) private func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
}

@inline(__always) private func load(_ p: UnsafeMutablePointer<Float>) -> Vector { load(UnsafePointer(p)) }

@inline(__always) private func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
}
