import Datasets

/// Moves an image with a triangle mesh: each triangle of the mesh at its `source` corners is
/// carried by its own affine map onto the same triangle at the destination corners, so the
/// picture follows the mesh like a rubber sheet and stays continuous across shared edges.
///
/// Coordinates are continuous pixels: pixel (i, j) covers [i, i+1) × [j, j+1), its centre is
/// (i + 0.5, j + 0.5). Each output pixel centre inside a destination triangle is mapped back
/// into that triangle's source and sampled bilinearly; pixels outside every triangle keep the
/// input's colour. A destination equal to the source leaves the image as it was.
public struct PiecewiseAffineWarp: Sendable {
    public let source: [SIMD2<Float>]
    public let triangles: [DelaunayTriangulation.Triangle]

    public init(source: [SIMD2<Float>], triangles: [DelaunayTriangulation.Triangle]) {
        precondition(triangles.allSatisfy { $0.indices.allSatisfy(source.indices.contains) }, "a triangle's corner is not a mesh point")
        self.source = source
        self.triangles = triangles
    }

    /// The mesh of `source`'s Delaunay triangulation.
    public init(source: [SIMD2<Float>]) {
        self.init(source: source, triangles: DelaunayTriangulation(source).triangles)
    }

    /// `image` (W × H) with the mesh moved to `destination` (one point per source point), W × H.
    public func callAsFunction(_ image: RGBImage, to destination: [SIMD2<Float>]) -> RGBImage {
        precondition(destination.count == source.count, "\(destination.count) destination points for \(source.count) source points")
        var out = image
        for t in triangles {
            let d = (destination[t.a], destination[t.b], destination[t.c])
            guard let back = AffineTriangleMap(from: d, to: (source[t.a], source[t.b], source[t.c])) else { continue }
            // Edge functions of the destination triangle, signed so that inside is ≥ 0
            // whichever way round the triangle runs.
            let twiceArea = cross(d.1 - d.0, d.2 - d.0)
            let sign: Float = twiceArea > 0 ? 1 : -1
            let slack = -1e-4 * abs(twiceArea)  // pixel centres on a shared edge go to both sides
            let lo = pointwiseMin(d.0, pointwiseMin(d.1, d.2)), hi = pointwiseMax(d.0, pointwiseMax(d.1, d.2))
            let x0 = max(0, Int((lo.x - 0.5).rounded(.up))), x1 = min(image.width - 1, Int((hi.x - 0.5).rounded(.down)))
            let y0 = max(0, Int((lo.y - 0.5).rounded(.up))), y1 = min(image.height - 1, Int((hi.y - 0.5).rounded(.down)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let q = SIMD2(Float(x) + 0.5, Float(y) + 0.5)
                    guard sign * cross(d.1 - d.0, q - d.0) >= slack, sign * cross(d.2 - d.1, q - d.1) >= slack,
                          sign * cross(d.0 - d.2, q - d.2) >= slack else { continue }
                    let s = back(q)
                    out[x, y] = image.bilinear(Double(s.x - 0.5), Double(s.y - 0.5))
                }
            }
        }
        return out
    }
}

@inline(__always) func cross(_ u: SIMD2<Float>, _ v: SIMD2<Float>) -> Float { u.x * v.y - u.y * v.x }
