/// Activations. Forward and backward are each one fused SIMD pass; backward recomputes
/// from x (silu, gelu, relu) or from y (sigmoid, tanh), whichever is cheaper.

/// x · σ(x) (SiLU, also called Swish).
public func silu(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, SiLUKernel())
    y.record("silu", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, x, SiLUGradKernel())) }
    return y
}

/// Swish is SiLU.
public func swish(_ x: Tensor) -> Tensor { silu(x) }

/// x · Φ(x) with the exact erf form (PyTorch's default `approximate='none'`).
public func gelu(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, GELUKernel())
    y.record("gelu", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, x, GELUGradKernel())) }
    return y
}

/// 1 / (1 + e^(−x)). Backward: gy · y(1 − y) (saves y).
public func sigmoid(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, SigmoidKernel())
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("sigmoid", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, saved!, SigmoidGradKernel())) }
    return y
}

/// tanh. Backward: gy · (1 − y²) (saves y).
public func tanh(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, TanhKernel())
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("tanh", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, saved!, TanhGradKernel())) }
    return y
}

/// max(x, 0). Backward passes gy where x > 0.
public func relu(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, ReLUKernel())
    y.record("relu", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, x, ReLUGradKernel())) }
    return y
}

struct SiLUKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { x * VectorMath.sigmoid(x) }
}

/// gy · σ(x)(1 + x(1 − σ(x)))
struct SiLUGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ gy: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        let s = VectorMath.sigmoid(x)
        return gy * s * (1 + x * (1 - s))
    }
}

struct GELUKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        0.5 * x * (1 + VectorMath.erf(x * 0.707_106_781_186_547_5))
    }
}

/// gy · (Φ(x) + x·φ(x)), φ the standard normal density.
struct GELUGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ gy: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        let cdf = 0.5 * (1 + VectorMath.erf(x * 0.707_106_781_186_547_5))
        let pdf = 0.398_942_280_401_432_7 * VectorMath.exp(-0.5 * x * x)
        return gy * cdf.addingProduct(x, pdf)
    }
}

struct SigmoidKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.sigmoid(x) }
}

struct SigmoidGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ gy: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> { gy * y * (1 - y) }
}

struct TanhKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.tanh(x) }
}

struct TanhGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ gy: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> { gy * (1 - y * y) }
}

struct ReLUKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        x.replacing(with: 0, where: x .< 0)
    }
}

struct ReLUGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ gy: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        gy.replacing(with: 0, where: x .<= 0)
    }
}
