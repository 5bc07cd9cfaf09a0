import Foundation

/// Analytic measurements of a synthetic face frame, rendered or generated (DESIGN §9):
/// mouth opening from the mouth-interior colour, head roll and yaw from the eye whites.
/// They rely on the renderer's fixed eye-white and mouth-interior colours and fixed head
/// centre, so they are a lip-sync and pose metric for synthetic data only.
public struct FaceMeasurement: Codable, Equatable, Sendable {
    /// Interior height at the widest-open column, as a fraction of the image height.
    public var mouthOpening: Float
    /// Radians; nil when the eyes are not both visible (a blink).
    public var yaw: Float?
    public var roll: Float?

    /// 2 · head width · tan(eye longitude) / head depth for the average identity: converts
    /// the eye midpoint's offset (in eye distances) into tan(yaw). See `measure`.
    static let eyeGeometry: Float = 0.74

    public static func measure(_ image: RGBImage) -> FaceMeasurement {
        let w = image.width, h = image.height
        let n = Float(h)
        let centre = SIMD2<Float>(FaceRenderer.headCentre.x * Float(w), FaceRenderer.headCentre.y * n)

        // Mouth, searched in the lower face for any pose: per column, the longest run of
        // pixels matching the interior colour, widened by one pixel at each end. Each pixel
        // counts by where its green lies between the lip's (two pixels beyond the run; the
        // darker of the two, as skin is never darker than lips) and the interior's — its
        // coverage, since antialiased edges are linear blends. The tallest column wins.
        let interior = FaceRenderer.mouthInterior
        let unit = 0.3 * n
        let x0 = max(0, Int(centre.x - 0.8 * unit)), x1 = min(w, Int(centre.x + 0.8 * unit) + 1)
        let y0 = max(2, Int(centre.y + 0.1 * unit)), y1 = min(h - 2, Int(centre.y + 1.05 * unit) + 1)
        var tallest: Float = 0
        for x in x0..<x1 {
            var best = (top: 0, length: 0), run = (top: 0, length: 0)
            for y in y0..<y1 {
                let d = image[x, y] - interior
                if max(abs(d.x), abs(d.y), abs(d.z)) < 0.04 {
                    if run.length == 0 { run.top = y }
                    run.length += 1
                    if run.length > best.length { best = run }
                } else {
                    run.length = 0
                }
            }
            guard best.length > 0 else { continue }
            let top = best.top, bottom = best.top + best.length - 1
            let upperLip = image[x, max(0, top - 2)].y, lowerLip = image[x, min(h - 1, bottom + 2)].y
            func share(_ y: Int, _ lip: Float) -> Float {
                guard y >= 0 && y < h else { return 0 }
                return lip - interior.y > 0.02 ? min(1, max(0, (lip - image[x, y].y) / (lip - interior.y))) : 0
            }
            let lip = min(upperLip, lowerLip)
            var height: Float = 0
            for y in (top - 1)...(bottom + 1) { height += share(y, lip) }
            tallest = max(tallest, height)
        }

        // Eyes: weighted centroids of near-white, unsaturated pixels, split left/right.
        var whites: [(p: SIMD2<Float>, w: Float)] = []
        for y in 0..<h {
            for x in 0..<w {
                let c = image[x, y]
                let lo = min(c.x, c.y, c.z), hi = max(c.x, c.y, c.z)
                let score = min(1, max(0, (lo - 0.7) / 0.18)) * min(1, max(0, 1 - (hi - lo) / 0.15))
                if score > 0 { whites.append((SIMD2(Float(x) + 0.5, Float(y) + 0.5), score)) }
            }
        }
        let total = whites.reduce(0) { $0 + $1.w }
        var yaw: Float? = nil, roll: Float? = nil
        let minimumArea = max(0.5, 0.0006 * Float(w * h))  // per eye, in pixels
        if total > 2 * minimumArea {
            let split = whites.reduce(SIMD2<Float>.zero) { $0 + $1.p * $1.w }.x / total
            var left = SIMD2<Float>.zero, right = SIMD2<Float>.zero, wl: Float = 0, wr: Float = 0
            for (p, s) in whites { if p.x < split { left += p * s; wl += s } else { right += p * s; wr += s } }
            if wl > minimumArea && wr > minimumArea {
                left /= wl
                right /= wr
                let r = atan2(left.y - right.y, right.x - left.x)  // image y points down
                let distance = ((right - left) * (right - left)).sum().squareRoot()
                let mid = (left + right) / 2
                let dx = mid.x - centre.x, dyUp = centre.y - mid.y
                let along = cos(r) * dx + sin(r) * dyUp  // midpoint offset in the head's own x
                // eyes at longitude ±u on an ellipsoid: offset / distance = tan(yaw) / eyeGeometry
                yaw = atan(along / distance * eyeGeometry)
                roll = r
            }
        }
        return FaceMeasurement(mouthOpening: tallest / n, yaw: yaw, roll: roll)
    }
}
