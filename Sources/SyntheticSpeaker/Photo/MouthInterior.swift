import Datasets

/// What an open mouth shows between the inner lips, drawn over a warped photo: the dark of
/// the mouth's inside, the tongue's dull red rising from the lower lip, and, just under the
/// upper lip, a band of upper teeth that fades into the shadow toward the corners. A photo's closed mouth has nothing to stretch into this
/// hole (the warp would smear the lip line), so it is painted instead.
///
///     MouthInterior(teethHeight: 0.1 * interOcular).paint(&frame, innerLips: points[60..<68])
///
/// The inner lips are landmarks 60–67 (corner, upper lip left to right, corner, lower lip
/// right to left) in continuous pixels (a pixel's centre at i + 0.5). Each pixel centre
/// inside them is painted; supersample the frame for smooth edges.
public struct MouthInterior: Sendable {
    /// Near-black with a little red, as a real mouth's inside is in shadow.
    public static let shadow = Colour(0.09, 0.03, 0.04)
    public static let teeth = Colour(0.86, 0.84, 0.78)
    public static let tongue = Colour(0.34, 0.12, 0.13)
    /// Height of the visible upper teeth below the upper inner lip, in pixels.
    public var teethHeight: Float
    /// Paint in grey (each colour's luma), for a black-and-white photo.
    public var monochrome: Bool

    public init(teethHeight: Float, monochrome: Bool = false) {
        self.teethHeight = teethHeight
        self.monochrome = monochrome
    }

    public func paint(_ image: inout RGBImage, innerLips: ArraySlice<SIMD2<Float>>) {
        let lips = Array(innerLips)
        precondition(lips.count == 8, "\(lips.count) inner-lip points, not 8")
        // The mouth's frame: s along the corners' line from their midpoint, t across it (down).
        let span = lips[4] - lips[0]
        let width = (span * span).sum().squareRoot()
        guard width > 1e-3 else { return }
        let along = span / width, across = SIMD2(-along.y, along.x), middle = (lips[0] + lips[4]) / 2
        func frame(_ p: SIMD2<Float>) -> SIMD2<Float> { let v = p - middle; return SIMD2((v * along).sum(), (v * across).sum()) }
        let upperLip = lips[0...4].map(frame)
        let lowerLip = [lips[0], lips[7], lips[6], lips[5], lips[4]].map(frame)
        let halfWidth = width / 2

        let lo = lips.reduce(SIMD2<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let hi = lips.reduce(SIMD2<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        let x0 = max(0, Int((lo.x - 0.5).rounded(.up))), x1 = min(image.width - 1, Int((hi.x - 0.5).rounded(.down)))
        let y0 = max(0, Int((lo.y - 0.5).rounded(.up))), y1 = min(image.height - 1, Int((hi.y - 0.5).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let q = SIMD2(Float(x) + 0.5, Float(y) + 0.5)
                guard MouthInterior.contains(lips, q) else { continue }
                let p = frame(q)
                // Teeth are tallest in the middle and recede (and darken) toward the corners.
                let taper = max(0, 1 - (p.x / halfWidth) * (p.x / halfWidth)).squareRoot()
                let top = MouthInterior.height(of: upperLip, at: p.x), bottom = MouthInterior.height(of: lowerLip, at: p.x)
                let colour: Colour
                if p.y - top < teethHeight * taper {
                    colour = MouthInterior.teeth * (0.55 + 0.45 * taper)
                } else {
                    // 0 at the upper lip, 1 at the lower: the tongue shows in the lower part.
                    let depth = min(1, max(0, (p.y - top) / max(bottom - top, 1e-3)))
                    let rise = min(1, max(0, (depth - 0.55) / 0.45))
                    colour = MouthInterior.shadow + (MouthInterior.tongue - MouthInterior.shadow) * (0.8 * taper * rise * rise)
                }
                image[x, y] = monochrome ? Colour(repeating: (colour * Colour(0.2126, 0.7152, 0.0722)).sum()) : colour
            }
        }
    }

    /// Even–odd rule: whether q is inside the closed polygon.
    static func contains(_ polygon: [SIMD2<Float>], _ q: SIMD2<Float>) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.y > q.y) != (b.y > q.y), q.x < a.x + (q.y - a.y) * (b.x - a.x) / (b.y - a.y) { inside.toggle() }
            j = i
        }
        return inside
    }

    /// The t of a polyline (points in s order) at s, held flat past its ends; where the line
    /// folds back, its highest (smallest t) crossing.
    static func height(of line: [SIMD2<Float>], at s: Float) -> Float {
        var best = Float.infinity
        for (a, b) in zip(line, line.dropFirst()) where min(a.x, b.x) <= s && s <= max(a.x, b.x) {
            let t = b.x == a.x ? min(a.y, b.y) : a.y + (s - a.x) / (b.x - a.x) * (b.y - a.y)
            best = min(best, t)
        }
        if best.isFinite { return best }
        return s < line.first!.x ? line.first!.y : line.last!.y
    }
}
