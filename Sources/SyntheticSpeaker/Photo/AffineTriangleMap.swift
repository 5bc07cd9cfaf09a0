/// The affine map of the plane that takes one triangle's corners onto another's:
/// q = M p + t, with M (2 × 2) and t (2) solved from the three corner pairs.
public struct AffineTriangleMap: Sendable {
    public var m00: Float, m01: Float, m10: Float, m11: Float
    public var t: SIMD2<Float>

    /// nil when `from` has no area (its corners on one line): no affine map leaves it.
    public init?(from p: (SIMD2<Float>, SIMD2<Float>, SIMD2<Float>), to q: (SIMD2<Float>, SIMD2<Float>, SIMD2<Float>)) {
        // M [e1 e2] = [f1 f2] with e the source edges and f the destination edges from corner 0.
        let e1 = p.1 - p.0, e2 = p.2 - p.0
        let f1 = q.1 - q.0, f2 = q.2 - q.0
        let det = e1.x * e2.y - e2.x * e1.y
        let size = max((e1 * e1).sum(), (e2 * e2).sum())
        guard abs(det) > 1e-9 * max(size, 1e-30) else { return nil }
        // [e1 e2]⁻¹ = [[e2.y, −e2.x], [−e1.y, e1.x]] / det
        let i00 = e2.y / det, i01 = -e2.x / det, i10 = -e1.y / det, i11 = e1.x / det
        m00 = f1.x * i00 + f2.x * i10
        m01 = f1.x * i01 + f2.x * i11
        m10 = f1.y * i00 + f2.y * i10
        m11 = f1.y * i01 + f2.y * i11
        t = q.0 - SIMD2(m00 * p.0.x + m01 * p.0.y, m10 * p.0.x + m11 * p.0.y)
    }

    @inline(__always) public func callAsFunction(_ p: SIMD2<Float>) -> SIMD2<Float> {
        SIMD2(m00 * p.x + m01 * p.y, m10 * p.x + m11 * p.y) + t
    }
}
