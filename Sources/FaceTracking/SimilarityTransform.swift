import Foundation

/// A 2-D similarity: a uniform scale, a rotation and a translation, p ↦ (a −b; b a) p + t,
/// so that (a, b) = scale · (cos θ, sin θ).
public struct SimilarityTransform: Equatable, Sendable {
    public var a: Double, b: Double
    public var translation: SIMD2<Double>

    public init(scale: Double = 1, angle: Double = 0, translation: SIMD2<Double> = .zero) {
        a = scale * cos(angle)
        b = scale * sin(angle)
        self.translation = translation
    }

    public var scale: Double { (a * a + b * b).squareRoot() }

    public func callAsFunction(_ p: SIMD2<Float>) -> SIMD2<Float> {
        let x = Double(p.x), y = Double(p.y)
        return SIMD2(Float(a * x - b * y + translation.x), Float(b * x + a * y + translation.y))
    }

    /// The least-squares similarity taking `source` onto `target` (Umeyama 1991, in 2-D a
    /// closed form: with both sets centred, (a, b) = Σ (p·q, p×q) ÷ Σ |p|²). nil when the
    /// source points all coincide.
    public static func fit(from source: [SIMD2<Float>], to target: [SIMD2<Float>]) -> SimilarityTransform? {
        precondition(source.count == target.count && !source.isEmpty, "the two point sets differ in length or are empty")
        let n = Double(source.count)
        func centre(_ points: [SIMD2<Float>]) -> SIMD2<Double> {
            points.reduce(SIMD2<Double>.zero) { $0 + SIMD2(Double($1.x), Double($1.y)) } / n
        }
        let cp = centre(source), cq = centre(target)
        var dot = 0.0, cross = 0.0, norm = 0.0
        for (p, q) in zip(source, target) {
            let u = SIMD2(Double(p.x), Double(p.y)) - cp, v = SIMD2(Double(q.x), Double(q.y)) - cq
            dot += u.x * v.x + u.y * v.y
            cross += u.x * v.y - u.y * v.x
            norm += u.x * u.x + u.y * u.y
        }
        guard norm > 0 else { return nil }
        var fitted = SimilarityTransform()
        fitted.a = dot / norm
        fitted.b = cross / norm
        fitted.translation = cq - SIMD2(fitted.a * cp.x - fitted.b * cp.y, fitted.b * cp.x + fitted.a * cp.y)
        return fitted
    }
}
