import Foundation
import Datasets

// The small amount of 3-D geometry the face renderer needs: a rotation, and ellipsoids
// that are ray-cast per pixel (orthographic view along -z) with an analytic silhouette for
// antialiased edges. View space: x right, y up, z toward the viewer; units are head radii.

typealias Vec3 = SIMD3<Float>

/// A 3×3 matrix as three rows.
struct Mat3 {
    var r0, r1, r2: Vec3

    static func * (m: Mat3, v: Vec3) -> Vec3 {
        Vec3((m.r0 * v).sum(), (m.r1 * v).sum(), (m.r2 * v).sum())
    }

    static func * (a: Mat3, b: Mat3) -> Mat3 {
        let t = b.transposed
        return Mat3(r0: Vec3((a.r0 * t.r0).sum(), (a.r0 * t.r1).sum(), (a.r0 * t.r2).sum()),
                    r1: Vec3((a.r1 * t.r0).sum(), (a.r1 * t.r1).sum(), (a.r1 * t.r2).sum()),
                    r2: Vec3((a.r2 * t.r0).sum(), (a.r2 * t.r1).sum(), (a.r2 * t.r2).sum()))
    }

    var transposed: Mat3 {
        Mat3(r0: Vec3(r0.x, r1.x, r2.x), r1: Vec3(r0.y, r1.y, r2.y), r2: Vec3(r0.z, r1.z, r2.z))
    }

    /// Head frame → view: roll · yaw · pitch (see `HeadPose`).
    init(pose: HeadPose) {
        let (cp, sp) = (cos(-pose.pitch), sin(-pose.pitch))
        let (cy, sy) = (cos(pose.yaw), sin(pose.yaw))
        let (cr, sr) = (cos(pose.roll), sin(pose.roll))
        let pitch = Mat3(r0: Vec3(1, 0, 0), r1: Vec3(0, cp, -sp), r2: Vec3(0, sp, cp))
        let yaw = Mat3(r0: Vec3(cy, 0, sy), r1: Vec3(0, 1, 0), r2: Vec3(-sy, 0, cy))
        let roll = Mat3(r0: Vec3(cr, -sr, 0), r1: Vec3(sr, cr, 0), r2: Vec3(0, 0, 1))
        self = roll * (yaw * pitch)
    }

    init(r0: Vec3, r1: Vec3, r2: Vec3) {
        self.r0 = r0
        self.r1 = r1
        self.r2 = r2
    }
}

/// Where a view ray meets an ellipsoid's front surface.
struct SurfaceHit {
    var point: Vec3       // head frame
    var unitPoint: Vec3   // (point - centre) / radii: on the unit sphere
    var viewNormal: Vec3  // unit normal in view space
    var depth: Float      // view z (larger is nearer the viewer)
}

/// An ellipsoid in the head frame, posed once per frame.
struct PosedEllipsoid {
    let centre: Vec3, radii: Vec3
    let rotation: Mat3, inverse: Mat3
    let viewCentre: SIMD2<Float>
    let m00, m01, m11: Float  // silhouette quadratic form in the view plane

    init(centre: Vec3, radii: Vec3, rotation: Mat3) {
        self.centre = centre
        self.radii = radii
        self.rotation = rotation
        inverse = rotation.transposed
        let c = rotation * centre
        viewCentre = SIMD2(c.x, c.y)
        // A = R diag(1/r²) Rᵀ; the silhouette is the Schur complement A_xy − a aᵀ / A_zz.
        let d = 1 / (radii * radii)
        func a(_ i: Int, _ j: Int) -> Float {
            let ri = [rotation.r0, rotation.r1, rotation.r2][i], rj = [rotation.r0, rotation.r1, rotation.r2][j]
            return (ri * d * rj).sum()
        }
        let azz = a(2, 2), a0z = a(0, 2), a1z = a(1, 2)
        m00 = a(0, 0) - a0z * a0z / azz
        m01 = a(0, 1) - a0z * a1z / azz
        m11 = a(1, 1) - a1z * a1z / azz
    }

    /// Signed distance (head units, negative inside) from view point (x, y) to the outline.
    @inline(__always) func outlineDistance(_ x: Float, _ y: Float) -> Float {
        let wx = x - viewCentre.x, wy = y - viewCentre.y
        let gx = m00 * wx + m01 * wy, gy = m01 * wx + m11 * wy
        let f = wx * gx + wy * gy
        let g = (gx * gx + gy * gy).squareRoot()
        if g < 1e-9 { return -1 / max(m00, m11).squareRoot() }
        return (f - f.squareRoot()) / g
    }

    /// The front-surface hit along the view ray through (x, y); rays just outside the
    /// outline are clamped onto it so antialiased edge pixels still get a surface colour.
    @inline(__always) func hit(_ x: Float, _ y: Float) -> SurfaceHit {
        let o = (inverse * Vec3(x, y, 0) - centre) / radii
        let d = Vec3(inverse.r0.z, inverse.r1.z, inverse.r2.z) / radii  // inverse · (0, 0, 1)
        let a = (d * d).sum(), b = 2 * (o * d).sum(), c = (o * o).sum() - 1
        let t = (-b + max(0, b * b - 4 * a * c).squareRoot()) / (2 * a)
        let unit = o + t * d
        let normal = rotation * (unit / radii)
        let length = max((normal * normal).sum().squareRoot(), 1e-9)
        return SurfaceHit(point: centre + unit * radii, unitPoint: unit, viewNormal: normal / length, depth: t)
    }

    /// The view position of a head-frame point on this ellipsoid's surface given as
    /// longitude/latitude (for measuring rendered sizes).
    func project(longitude u: Float, latitude v: Float) -> Vec3 {
        rotation * (centre + radii * Vec3(sin(u) * cos(v), sin(v), cos(u) * cos(v)))
    }
}

/// Coverage of a shape at signed distance `d` (in pixels): a one-pixel linear ramp.
@inline(__always) func coverage(_ dPixels: Float) -> Float { min(1, max(0, 0.5 - dPixels)) }

/// Approximate signed distance to an axis-aligned ellipse with semi-axes (a, b).
/// The gradient estimate k0 (k0 − 1) / k1 fails outside a very flat ellipse: at
/// (3a, 10b) it gives ≈ 10b, so a nearly shut mouth drew a hairline far past its corners.
/// Outside, the distance is at least the distance to the bounding box, so take the larger.
@inline(__always) func ellipseDistance(_ x: Float, _ y: Float, _ a: Float, _ b: Float) -> Float {
    let k0 = ((x / a) * (x / a) + (y / b) * (y / b)).squareRoot()
    let k1 = ((x / (a * a)) * (x / (a * a)) + (y / (b * b)) * (y / (b * b))).squareRoot()
    let estimate = k1 < 1e-12 ? -min(a, b) : k0 * (k0 - 1) / k1
    return max(estimate, abs(x) - a, abs(y) - b)
}

/// Signed distance to an axis-aligned box of half-size (w, h) with rounded corners `r`.
@inline(__always) func boxDistance(_ x: Float, _ y: Float, _ w: Float, _ h: Float, _ r: Float) -> Float {
    let qx = abs(x) - w + r, qy = abs(y) - h + r
    let outside = (max(qx, 0) * max(qx, 0) + max(qy, 0) * max(qy, 0)).squareRoot()
    return outside + min(max(qx, qy), 0) - r
}

@inline(__always) func mix(_ a: Colour, _ b: Colour, _ t: Float) -> Colour { a + (b - a) * t }
