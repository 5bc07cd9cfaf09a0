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

    /// Σ x[i]·y[i] in Double, from 1024-element Float SIMD blocks (see `sumDouble`).
    static func dotDouble(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let n = min(1024, count - i)
            total += Double(dot(x + i, y + i, count: n))
            i += n
        }
        return total
    }

    /// Σ (x[i] − mean)² in Double, from 1024-element Float SIMD blocks: the second pass of
    /// a two-pass variance, which stays accurate when the mean is large against the spread.
    static func squaredDeviationsDouble(_ x: UnsafePointer<Float>, count: Int, mean: Float) -> Double {
        var total = 0.0
        var i = 0
        let m = SIMD16<Float>(repeating: mean)
        while i < count {
            let end = min(count, i + 1024)
            var acc = SIMD16<Float>()
            while i + 16 <= end {
                let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - m
                acc = acc.addingProduct(d, d)
                i += 16
            }
            var s = acc.sum()
            while i < end { let d = x[i] - mean; s += d * d; i += 1 }
            total += Double(s)
        }
        return total
    }

    /// y[i] = a · x[i] + b, SIMD16 FMA with a scalar tail (y may alias x).
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ a: Float, _ b: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        let va = SIMD16<Float>(repeating: a), vb = SIMD16<Float>(repeating: b)
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: vb.addingProduct(va, v), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { y[i] = a * x[i] + b; i += 1 }
    }

    /// z[i] = a · x[i] + b · y[i] + c: the shape of every normalisation's input gradient.
    @inline(__always)
    static func combine(_ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafePointer<Float>, _ c: Float,
                        into z: UnsafeMutablePointer<Float>, count: Int) {
        let va = SIMD16<Float>(repeating: a), vb = SIMD16<Float>(repeating: b), vc = SIMD16<Float>(repeating: c)
        var i = 0
        while i + 16 <= count {
            let u = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(z + i).storeBytes(of: vc.addingProduct(va, u).addingProduct(vb, v), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { z[i] = a * x[i] + b * y[i] + c; i += 1 }
    }

    /// y[i] = (x[i] − mean) · rstd · w[i] + b[i] in one pass; w and b default to 1 and 0.
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, mean: Float, rstd: Float, weight w: UnsafePointer<Float>?,
                          bias b: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD16<Float>
        let vm = V(repeating: mean), vr = V(repeating: rstd)
        var i = 0
        while i + 16 <= count {
            var v = (UnsafeRawPointer(x + i).loadUnaligned(as: V.self) - vm) * vr
            if let w { v *= UnsafeRawPointer(w + i).loadUnaligned(as: V.self) }
            if let b { v += UnsafeRawPointer(b + i).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: V.self)
            i += 16
        }
        while i < count {
            y[i] = (x[i] - mean) * rstd * (w?[i] ?? 1) + (b?[i] ?? 0)
            i += 1
        }
    }
}
