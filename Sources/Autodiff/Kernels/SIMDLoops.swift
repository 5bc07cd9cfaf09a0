/// Small SIMD16 loops over raw Float pointers shared by the conv and norm kernels.
/// (A namespace, so these short names cannot collide with other kernels in the module.)
enum SIMDLoops {
    /// y[i] += x[i] for i in 0..<count, SIMD16 with a scalar tail.
    @inline(__always)
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let a = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: a + b, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// y[i] += a · x[i] for i in 0..<count, SIMD16 FMA with a scalar tail.
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        let va = SIMD16<Float>(repeating: a)
        while i + 16 <= count {
            let acc = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: acc.addingProduct(va, b), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { y[i] += a * x[i]; i += 1 }
    }

    /// Σ x[i]·y[i] in Float SIMD16 lanes (callers keep `count` modest or sum blocks in Double).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            acc = acc.addingProduct(a, b)
            i += 16
        }
        var s = acc.sum()
        while i < count { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// Σ x[i] accumulated in SIMD16 Float lanes; for long rows sum blocks into a Double.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < count { s += x[i]; i += 1 }
        return s
    }

    /// Σ x[i] in Double, summing 1024-element blocks in Float SIMD lanes first: fast, and
    /// accurate enough for means over millions of elements.
    static func sumDouble(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let n = min(1024, count - i)
            total += Double(sum(x + i, count: n))
            i += n
        }
        return total
    }
}
