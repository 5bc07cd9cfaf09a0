/// A convex polygon around points, and how far a pixel lies inside it.
public struct ConvexHull: Equatable, Sendable {
    /// The corners, counter-clockwise in a y-up frame (clockwise on screen, y down);
    /// no three in a line.
    public let corners: [SIMD2<Float>]

    /// The hull of `points` (Andrew's monotone chain). Fewer than three distinct points
    /// make a degenerate hull that contains nothing.
    public init(_ points: [SIMD2<Float>]) {
        let sorted = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        func cross(_ o: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [SIMD2<Float>] = [], upper: [SIMD2<Float>] = []
        for p in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        corners = lower.count < 2 ? lower : Array(lower.dropLast() + upper.dropLast())
    }

    /// The distance from `p` to the outline: positive inside, negative outside, in pixels.
    public func signedDistance(_ p: SIMD2<Float>) -> Float {
        guard corners.count >= 3 else { return -.infinity }
        var inside = Float.infinity  // the nearest edge line, for a point inside every one
        var outside = Float.infinity // the nearest edge segment
        var isInside = true
        for i in corners.indices {
            let a = corners[i], b = corners[(i + 1) % corners.count]
            let edge = b - a
            let length = (edge * edge).sum().squareRoot()
            // the inward normal of a counter-clockwise edge (in x-right, y-up terms)
            let side = (edge.x * (p.y - a.y) - edge.y * (p.x - a.x)) / length
            if side < 0 { isInside = false }
            inside = min(inside, side)
            let t = max(0, min(1, ((p - a) * edge).sum() / (length * length)))
            let d = p - (a + t * edge)
            outside = min(outside, (d * d).sum().squareRoot())
        }
        return isInside ? inside : -outside
    }

    /// The corners' bounding box: (minimum, maximum).
    public var bounds: (min: SIMD2<Float>, max: SIMD2<Float>) {
        corners.reduce((SIMD2(repeating: .infinity), SIMD2(repeating: -.infinity))) { (pointwiseMin($0.0, $1), pointwiseMax($0.1, $1)) }
    }
}
