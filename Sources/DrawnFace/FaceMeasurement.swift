import Foundation
import Datasets

/// Analytic measurements of a synthetic face frame, rendered or generated (docs/architecture.md §9):
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

    /// How far from the lip–interior line a pixel may lie and still count as mouth, as a
    /// fraction of the line's length.
    static let lineTolerance: Float = 0.1

    /// Per-channel median over a clipped window.
    static func medianColour(_ image: RGBImage, x: ClosedRange<Int>, y: Range<Int>) -> Colour {
        var r: [Float] = [], g: [Float] = [], b: [Float] = []
        for yy in max(0, y.lowerBound)..<min(image.height, y.upperBound) {
            for xx in max(0, x.lowerBound)...min(image.width - 1, x.upperBound) {
                let c = image[xx, yy]
                r.append(c.x); g.append(c.y); b.append(c.z)
            }
        }
        guard !r.isEmpty else { return .zero }
        func median(_ v: [Float]) -> Float { v.sorted()[v.count / 2] }
        return Colour(median(r), median(g), median(b))
    }

    public static func measure(_ image: RGBImage) -> FaceMeasurement {
        let w = image.width, h = image.height
        let n = Float(h)
        let centre = SIMD2<Float>(FaceRenderer.headCentre.x * Float(w), FaceRenderer.headCentre.y * n)

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
        var mouthColumns: ClosedRange<Float>? = nil
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
                // the mouth is at most 0.7 eye distances wide either side of the eyes' midline
                // (sloped by the roll); a margin keeps it in, the hair at the cheeks out
                mouthColumns = (mid.x - 0.9 * distance)...(mid.x + 0.9 * distance)
            }
        }
        let tallest = tallestMouthColumn(image, columns: mouthColumns)
        return FaceMeasurement(mouthOpening: tallest / n, yaw: yaw, roll: roll)
    }

    /// The interior's height in pixels at the mouth's tallest column, searched in `columns`
    /// (pixel x; the whole lower face when nil).
    static func tallestMouthColumn(_ image: RGBImage, columns: ClosedRange<Float>?) -> Float {
        let w = image.width, h = image.height
        let n = Float(h)
        let centre = SIMD2<Float>(FaceRenderer.headCentre.x * Float(w), FaceRenderer.headCentre.y * n)
        // Mouth, searched in the lower face for any pose. Its pixels are blends of the lip
        // colour and the interior colour, so each counts by where it lies on the line between
        // them (its coverage: antialiased edges are linear blends, and an opening below one
        // pixel still counts); a pixel off that line (skin, shirt, hair) counts nothing. The
        // lip colour is the renderer's function of the skin: the median colour of the cheeks
        // between nose and mouth (above the mouth, so an open mouth does not darken it),
        // times 0.86, the key light's shading at the mouth relative to there. Per column, the
        // coverages of the run around the most covered pixel sum to the interior's height
        // there; the tallest column wins.
        let interior = FaceRenderer.mouthInterior
        let unit = 0.3 * n
        let x0 = max(0, Int(max(centre.x - 0.8 * unit, columns?.lowerBound ?? 0)))
        let x1 = min(w, Int(min(centre.x + 0.8 * unit, columns?.upperBound ?? Float(w))) + 1)
        let y0 = max(2, Int(centre.y + 0.1 * unit)), y1 = min(h - 2, Int(centre.y + 1.05 * unit) + 1)
        let skin = medianColour(image, x: Int(centre.x - 0.45 * unit)...Int(centre.x + 0.45 * unit),
                                y: Int(centre.y + 0.12 * unit)..<Int(centre.y + 0.4 * unit))
        let lip = FaceIdentity.lipColour(skin: skin * 0.86, light: 0.7)
        let axis = lip - interior, length2 = (axis * axis).sum()
        let tolerance2 = lineTolerance * lineTolerance * length2, boundTolerance2 = 0.16 * length2
        /// (coverage, whether the pixel is lip-like: near the line, and not much lighter than
        /// the lip — the upper lip faces the light and is up to a third lighter)
        func coverage(_ x: Int, _ y: Int) -> (share: Float, lipLike: Bool) {
            let d = lip - image[x, y], t = (d * axis).sum() / length2
            let off = d - t * axis, distance2 = (off * off).sum()
            return (distance2 < tolerance2 ? min(1, max(0, t)) : 0, distance2 < boundTolerance2 && t > -0.6)
        }
        guard x0 < x1, y0 < y1, length2 > 0.01 else { return 0 }
        var tallest: Float = 0
        var shares = [Float](repeating: 0, count: y1 - y0)  // one column's coverages, rows y0..<y1
        for x in x0..<x1 {
            for y in y0..<y1 { shares[y - y0] = coverage(x, y).share }
            let seed = y0 + shares.indices.max { shares[$0] < shares[$1] }!
            var height = shares[seed - y0]
            guard height > 0 else { continue }
            // the run must end at the lips on both sides: a dark run ending in skin is not a mouth
            var enclosed = true
            for step in [-1, 1] {
                var y = seed + step
                while y >= 0 && y < h, case let c = coverage(x, y), c.share > 0 { height += c.share; y += step }
                enclosed = enclosed && y >= 0 && y < h && coverage(x, y).lipLike
            }
            if enclosed { tallest = max(tallest, height) }
        }
        return tallest
    }
}
