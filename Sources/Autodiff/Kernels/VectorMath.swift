/// Vectorised transcendental functions on `SIMD16<Float>`.
///
/// Scalar `Foundation.exp` runs at ~0.2 G elements/s here; these process a whole AVX-512
/// register per call. exp and tanh are accurate to a few ulp, erf to ~2e-7 absolute; all
/// handle ±inf and NaN like the scalar functions. Ops apply them to buffer tails by
/// padding the last partial vector (see `Elementwise.swift`), so there are no scalar twins.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    /// e^x. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial
    /// for e^r (truncation error 5e-9), and 2^n built from exponent bits in two halves so
    /// that subnormal results (n down to -159) and overflow to inf come out right.
    /// `@_transparent` because the optimiser declines to inline it (despite
    /// `@inline(__always)`) into erf and tanh, and the out-of-line call splits every
    /// vector into four registers and back.
    @_transparent
    public static func exp(_ x: Vector) -> Vector {
        let log2e: Float = 1.442_695_04
        let ln2High: Float = 0.693_145_751_953_125  // few mantissa bits, so n·ln2High is exact
        let ln2Low: Float = 1.428_606_765_330_187e-06
        let roundingMagic: Float = 12_582_912  // 1.5·2^23: adding it rounds to an integer
        // Beyond these bounds e^x is inf / 0 in Float; clamping keeps 2^n constructible.
        let clamped = x.replacing(with: 89, where: x .> 89).replacing(with: -110, where: x .< -110)
        let shifted = Vector(repeating: roundingMagic).addingProduct(clamped, Vector(repeating: log2e))
        let n = shifted - roundingMagic
        let r = clamped.addingProduct(n, Vector(repeating: -ln2High)).addingProduct(n, Vector(repeating: -ln2Low))
        var p = Vector(repeating: 1.0 / 5040)
        p = Vector(repeating: 1.0 / 720).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 120).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vector(repeating: 0.5).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        // The low mantissa bits of `shifted` hold n (offset by the magic's own bits).
        let nInt = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let half = nInt &>> 1
        let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let scale2 = unsafeBitCast((nInt &- half &+ 127) &<< 23, to: Vector.self)
        let result = p * scale1 * scale2
        return result.replacing(with: x, where: x .!= x)  // NaN in, NaN out
    }

    /// The error function. Odd Taylor series (relative accuracy) for |x| < 0.5, the
    /// Abramowitz–Stegun 7.1.26 rational form 1 − t·P(t)·e^(−x²) (error ≤ 1.5e-7) beyond.
    @inline(__always)
    public static func erf(_ x: Vector) -> Vector {
        let ax = x.replacing(with: -x, where: x .< 0)
        // Series: 2/√π · (x − x³/3 + x⁵/10 − x⁷/42 + x⁹/216 − x¹¹/1320)
        let x2 = x * x
        var s = Vector(repeating: -1.0 / 1320)
        s = Vector(repeating: 1.0 / 216).addingProduct(s, x2)
        s = Vector(repeating: -1.0 / 42).addingProduct(s, x2)
        s = Vector(repeating: 1.0 / 10).addingProduct(s, x2)
        s = Vector(repeating: -1.0 / 3).addingProduct(s, x2)
        s = Vector(repeating: 1).addingProduct(s, x2)
        let series = s * x * 1.128_379_167_095_512_6
        // Rational form for |x| ≥ 0.5 (on |x|, sign restored after).
        let t = 1 / Vector(repeating: 1).addingProduct(ax, Vector(repeating: 0.327_591_1))
        var q = Vector(repeating: 1.061_405_429)
        q = Vector(repeating: -1.453_152_027).addingProduct(q, t)
        q = Vector(repeating: 1.421_413_741).addingProduct(q, t)
        q = Vector(repeating: -0.284_496_736).addingProduct(q, t)
        q = Vector(repeating: 0.254_829_592).addingProduct(q, t)
        var tail = 1 - q * t * exp(-x2)
        tail.replace(with: -tail, where: x .< 0)
        let result = tail.replacing(with: series, where: ax .< 0.5)
        return result.replacing(with: x, where: x .!= x)
    }

    /// tanh. Odd Taylor series for |x| < 0.4 (where 1 − e^(−2|x|) would cancel), else
    /// sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|) ≤ 0.45, which also gives ±1 at ±inf.
    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let ax = x.replacing(with: -x, where: x .< 0)
        let x2 = x * x
        // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 + 21844x¹³/6081075
        var s = Vector(repeating: 21844.0 / 6_081_075)
        s = Vector(repeating: -1382.0 / 155_925).addingProduct(s, x2)
        s = Vector(repeating: 62.0 / 2835).addingProduct(s, x2)
        s = Vector(repeating: -17.0 / 315).addingProduct(s, x2)
        s = Vector(repeating: 2.0 / 15).addingProduct(s, x2)
        s = Vector(repeating: -1.0 / 3).addingProduct(s, x2)
        let series = x.addingProduct(s * x2, x)
        let e = exp(-2 * ax)
        var large = (1 - e) / (1 + e)
        large.replace(with: -large, where: x .< 0)
        let result = large.replacing(with: series, where: ax .< 0.4)
        return result.replacing(with: x, where: x .!= x)
    }

    /// 1 / (1 + e^(−x)); saturates to exactly 0 and 1.
    @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }
}
