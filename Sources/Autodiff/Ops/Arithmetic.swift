/// + − × ÷ with NumPy broadcasting, and with Float constants on either side.
///
/// Forward runs one broadcast loop (see `BroadcastPlan`); backward forms each input's
/// gradient at the output's shape and sums it down to the input's shape.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let y = map(a, b, AddKernel())
        y.record("add", inputs: [a, b]) { gy in
            a.accumulateGrad(gy.summed(toShape: a.shape))
            b.accumulateGrad(gy.summed(toShape: b.shape))
        }
        return y
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let y = map(a, b, SubtractKernel())
        y.record("subtract", inputs: [a, b]) { gy in
            a.accumulateGrad(gy.summed(toShape: a.shape))
            if b.requiresGrad { b.accumulateGrad((-gy).summed(toShape: b.shape)) }
        }
        return y
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let y = map(a, b, MultiplyKernel())
        // Saves the other factor for each input that wants a gradient.
        let bForA = a.requiresGrad ? b : nil, aForB = b.requiresGrad ? a : nil
        y.record("multiply", inputs: [a, b]) { gy in
            if let b = bForA { a.accumulateGrad((gy * b).summed(toShape: a.shape)) }
            if let a = aForB { b.accumulateGrad((gy * a).summed(toShape: b.shape)) }
        }
        return y
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let y = map(a, b, DivideKernel())
        let aForB = b.requiresGrad ? a : nil
        y.record("divide", inputs: [a, b]) { gy in
            let gyOverB = gy / b
            a.accumulateGrad(gyOverB.summed(toShape: a.shape))
            // d(a/b)/db = −a/b²
            if let a = aForB { b.accumulateGrad((-(gyOverB * a / b)).summed(toShape: b.shape)) }
        }
        return y
    }

    public static prefix func - (x: Tensor) -> Tensor {
        let y = map(x, NegateKernel())
        y.record("negate", inputs: [x]) { gy in x.accumulateGrad(-gy) }
        return y
    }

    // Constants become one-element tensors: the broadcast loop's scalar path handles
    // them, and they never need a gradient.
    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}

struct AddKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a + b }
}

struct SubtractKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a - b }
}

struct MultiplyKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a * b }
}

struct DivideKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a / b }
}

struct NegateKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { -x }
}
