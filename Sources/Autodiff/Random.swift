import Foundation

/// A seeded, reproducible random stream: xoshiro256** (Blackman & Vigna), seeded by
/// SplitMix64, with Box–Muller normals. The same seed gives the same numbers on every
/// run and machine; `state` captures everything (including a pending normal) so a
/// training run can be checkpointed and resumed mid-stream.
public struct RandomGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    /// Box–Muller makes normals in pairs; the second waits here.
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var z = seed
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Four xoshiro words, then 1 and the spare normal's bits if one is pending.
    public var state: [UInt64] {
        get {
            [s.0, s.1, s.2, s.3] + (spareNormal.map { [1, UInt64($0.bitPattern)] } ?? [0, 0])
        }
        set {
            precondition(newValue.count == 6 || newValue.count == 4, "RandomGenerator state has 4 or 6 words, got \(newValue.count)")
            s = (newValue[0], newValue[1], newValue[2], newValue[3])
            spareNormal = newValue.count == 6 && newValue[4] == 1 ? Float(bitPattern: UInt32(truncatingIfNeeded: newValue[5])) : nil
        }
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotateLeft(s.3, 45)
        return result
    }

    /// Uniform in [0, 1), from the top 24 bits (every Float in the grid is equally likely).
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Standard normal.
    public mutating func normal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let (a, b) = normalPair()
        spareNormal = b
        return a
    }

    /// Two independent standard normals (Box–Muller, in Double for the log near 0).
    mutating func normalPair() -> (Float, Float) {
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53  // (0, 1]: log stays finite
        let u2 = Double(next() >> 11) * 0x1p-53
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (Float(radius * Foundation.cos(angle)), Float(radius * Foundation.sin(angle)))
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension Tensor {
    /// Standard normal entries, drawn in row-major order.
    public static func randn(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.pointer
        for i in 0..<t.count { p[i] = rng.normal() }
        return t
    }

    /// Uniform entries in `range`, drawn in row-major order.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float>, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.pointer, low = range.lowerBound, width = range.upperBound - range.lowerBound
        for i in 0..<t.count { p[i] = low + width * rng.uniform() }
        return t
    }
}
