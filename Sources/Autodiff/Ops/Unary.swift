import Foundation

/// Elementwise math: exp, log, sqrt, abs, square, pow. Each backward is the derivative
/// times the incoming gradient, computed from whichever of x or y is cheaper.

/// e^x. Backward: gy · y (saves y).
public func exp(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, ExpKernel())
    // A detached view of y: capturing y itself would make y own its own closure.
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("exp", inputs: [x]) { gy in x.accumulateGrad(gy * saved!) }
    return y
}

/// Natural logarithm. Backward: gy / x.
public func log(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, LogKernel())
    y.record("log", inputs: [x]) { gy in x.accumulateGrad(gy / x) }
    return y
}

/// √x. Backward: gy / (2·y) (saves y).
public func sqrt(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, SqrtKernel())
    let saved = Tensor.needsGrad(x) ? y.detached() : nil
    y.record("sqrt", inputs: [x]) { gy in x.accumulateGrad(gy / (2 * saved!)) }
    return y
}

/// |x|. Backward: gy · sign(x), with sign(0) = 0 as in PyTorch.
public func abs(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, AbsKernel())
    y.record("abs", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, x, TimesSignKernel())) }
    return y
}

/// x². Backward: 2x · gy.
public func square(_ x: Tensor) -> Tensor {
    let y = Tensor.map(x, x, MultiplyKernel())
    y.record("square", inputs: [x]) { gy in x.accumulateGrad(2 * x * gy) }
    return y
}

extension Tensor {
    /// x^p elementwise. Backward: p·x^(p−1) · gy.
    public func pow(_ p: Float) -> Tensor {
        let y = Tensor.map(self, PowKernel(exponent: p))
        y.record("pow", inputs: [self]) { [self] gy in
            accumulateGrad(p * Tensor.map(self, PowKernel(exponent: p - 1)) * gy)
        }
        return y
    }
}

struct ExpKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { VectorMath.exp(x) }
}

struct LogKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var y = x
        for i in 0..<16 { y[i] = Foundation.log(x[i]) }
        return y
    }
}

struct SqrtKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { x.squareRoot() }
}

struct AbsKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        x.replacing(with: -x, where: x .< 0)
    }
}

/// g · sign(x)
struct TimesSignKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16<Float>(repeating: 0).replacing(with: g, where: x .> 0).replacing(with: -g, where: x .< 0)
    }
}

/// x^p, with the common exponents done exactly and without a libm call.
struct PowKernel: UnaryKernel {
    let exponent: Float
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        switch exponent {
        case 0: return SIMD16(repeating: 1)
        case 1: return x
        case 2: return x * x
        case 3: return x * x * x
        case 0.5: return x.squareRoot()
        case -1: return 1 / x
        case -0.5: return 1 / x.squareRoot()
        default:
            var y = x
            for i in 0..<16 { y[i] = Foundation.pow(x[i], exponent) }
            return y
        }
    }
}
