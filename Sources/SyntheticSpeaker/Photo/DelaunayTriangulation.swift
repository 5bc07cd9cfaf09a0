/// The Delaunay triangulation of points in the plane, by Bowyer–Watson insertion: each point
/// in turn removes the triangles whose circumcircle holds it and fills the hole with a fan of
/// new triangles around it. The result has no point strictly inside any triangle's
/// circumcircle, so it has the fewest thin triangles a triangulation of the points can have,
/// which is what a piecewise-affine warp wants.
///
///     let mesh = DelaunayTriangulation(points)   // points: n distinct (x, y)
///     mesh.triangles                              // 2n − 2 − h triangles (h: points on the hull)
///
/// Work is O(n²), fine for a face mesh of about a hundred points. Arithmetic is in Double
/// about the points' centre. Points should be distinct: a duplicate of an earlier point ends
/// up in no triangle.
public struct DelaunayTriangulation: Sendable {
    /// Three indices into `points`, counter-clockwise when y points up (clockwise on screen,
    /// where y points down).
    public struct Triangle: Hashable, Sendable {
        public var a: Int, b: Int, c: Int
        public init(_ a: Int, _ b: Int, _ c: Int) {
            self.a = a
            self.b = b
            self.c = c
        }
        public var indices: [Int] { [a, b, c] }
    }

    public let points: [SIMD2<Float>]
    public let triangles: [Triangle]

    public init(_ points: [SIMD2<Float>]) {
        self.points = points
        triangles = DelaunayTriangulation.triangulate(points)
    }

    private struct Edge: Hashable {
        var from: Int, to: Int
    }

    private static func triangulate(_ input: [SIMD2<Float>]) -> [Triangle] {
        let n = input.count
        guard n >= 3 else { return [] }
        // Centred coordinates keep the circle test's products small.
        let lo = input.reduce(SIMD2<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let hi = input.reduce(SIMD2<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        let centre = SIMD2<Double>((lo + hi) / 2)
        let extent = max(Double(max(hi.x - lo.x, hi.y - lo.y)), 1e-9)
        var p = input.map { SIMD2<Double>($0) - centre }
        // A triangle far around every point: its corners are indices n, n+1, n+2.
        let far = 64 * extent
        p += [SIMD2(-far, -far), SIMD2(far, -far), SIMD2(0, far)]
        var mesh = [Triangle(n, n + 1, n + 2)]

        for i in 0..<n {
            let q = p[i]
            var boundary: [Edge: Int] = [:]  // directed edges of the removed triangles; shared ones cancel
            var kept: [Triangle] = []
            kept.reserveCapacity(mesh.count + 2)
            for t in mesh {
                if inCircle(p[t.a], p[t.b], p[t.c], q) > 0 {
                    for e in [Edge(from: t.a, to: t.b), Edge(from: t.b, to: t.c), Edge(from: t.c, to: t.a)] {
                        if boundary.removeValue(forKey: Edge(from: e.to, to: e.from)) == nil { boundary[e] = 1 }
                    }
                } else {
                    kept.append(t)
                }
            }
            // The hole is star-shaped from q, so every edge left seen from q keeps its turn.
            for e in boundary.keys.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
                kept.append(Triangle(e.from, e.to, i))
            }
            mesh = kept
        }
        return mesh.filter { $0.a < n && $0.b < n && $0.c < n }
    }

    /// Positive when d lies strictly inside the circle through a, b, c (counter-clockwise).
    static func inCircle(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, _ d: SIMD2<Double>) -> Double {
        let ad = a - d, bd = b - d, cd = c - d
        let a2 = (ad * ad).sum(), b2 = (bd * bd).sum(), c2 = (cd * cd).sum()
        return ad.x * (bd.y * c2 - b2 * cd.y) - ad.y * (bd.x * c2 - b2 * cd.x) + a2 * (bd.x * cd.y - bd.y * cd.x)
    }
}
