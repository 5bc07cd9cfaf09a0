import Foundation
import Datasets

/// Renders a parametric face at any resolution, antialiased.
///
/// The head is an ellipsoid ray-cast per pixel, so pose is a true projected 3-D layout:
/// eyes, brows, hairline and mouth are 2-D shapes drawn in the head's surface coordinates
/// (longitude × head width, latitude), nose, ears and hair mass are ellipsoids of their own.
/// Edges are antialiased from signed distances (one-pixel coverage ramps), not supersampling.
/// The head centre stays at a fixed image point (`headCentre`); only its rotation changes.
public struct FaceRenderer: Sendable {
    public var size: Int
    /// How far lip width, lip rounding, smile and brows move the face for a given expression
    /// (1: natural amplitudes). At 64×64 those move less than a pixel: a linear probe of the
    /// frames' pixels then reads them with R² 0.1–0.5 (jaw and blink: 0.84, 0.95), so a gain
    /// makes data on which expression can be told apart at all. Jaw and blink, and so the
    /// mouth opening, do not change with it.
    public var expressionGain: Float

    /// Fixed colours the analytic measurements rely on (see `FaceMeasurement`).
    public static let eyeWhite = Colour(0.96, 0.96, 0.94)
    /// Near-black, as a real mouth's inside is in shadow: it stands out from the lips of
    /// every skin, so an opening of a pixel is visible (and measurable).
    public static let mouthInterior = Colour(0.08, 0.02, 0.03)
    /// Head centre as a fraction of the image (x, y from the top).
    public static let headCentre = SIMD2<Float>(0.5, 0.46)
    /// Mouth centre latitude at rest.
    static let mouthLatitude: Float = -0.57
    static let light: Vec3 = { let l = Vec3(-0.35, 0.55, 0.75); return l / (l * l).sum().squareRoot() }()  // key light, upper left

    public init(size: Int, expressionGain: Float = 1) {
        precondition(size >= 8, "render size \(size) is too small")
        precondition(expressionGain >= 0 && expressionGain <= 4, "expression gain \(expressionGain) outside 0…4")
        self.size = size
        self.expressionGain = expressionGain
    }

    /// The mouth geometry an expression gives, in surface units.
    struct Mouth {
        var halfWidth, innerHalfHeight, centreY, upperLip, lowerLip, smileCurve: Float
        init(_ id: FaceIdentity, _ e: FaceExpression, gain g: Float) {
            let rounding = min(1, max(0, e.lipRounding)), open = min(1, max(0, e.jawOpen))
            // (with a gain, pursed and rounded lips at once would close the mouth: a floor)
            halfWidth = id.mouthWidth * max(0.35, 1 + g * (0.22 * e.lipWidth + 0.15 * e.smile - 0.32 * rounding))
            // Speech keeps the jaw in the bottom third of its range (speaker_00: median 0.2),
            // so the opening grows fastest there: a half-open jaw shows a mouth a few pixels
            // tall at 64×64, as a real speaker's does, not one below a pixel.
            innerHalfHeight = 0.18 * pow(open, 0.75) * (1 + 0.25 * rounding)
            centreY = FaceRenderer.mouthLatitude - 0.35 * innerHalfHeight
            upperLip = 0.10 * (1 + 0.3 * g * rounding)
            lowerLip = 0.12 * (1 + 0.3 * g * rounding)
            smileCurve = 0.06 * g * e.smile
        }
    }

    /// The rendered mouth opening: the projected height of the mouth interior at its centre,
    /// as a fraction of the image height. This is what `FaceMeasurement` recovers.
    public func mouthOpening(_ id: FaceIdentity, _ pose: HeadPose, _ e: FaceExpression) -> Float {
        let mouth = Mouth(id, e, gain: expressionGain)
        guard mouth.innerHalfHeight > 0 else { return 0 }
        let head = PosedEllipsoid(centre: .zero, radii: Vec3(id.headWidth, 1, id.headDepth), rotation: Mat3(pose: pose))
        let top = head.project(longitude: 0, latitude: mouth.centreY + mouth.innerHalfHeight)
        let bottom = head.project(longitude: 0, latitude: mouth.centreY - mouth.innerHalfHeight)
        let d = top - bottom
        return (d.x * d.x + d.y * d.y).squareRoot() * id.scale
    }

    public func render(_ id: FaceIdentity, _ pose: HeadPose, _ e: FaceExpression) -> RGBImage {
        var image = RGBImage(width: size, height: size)
        let n = Float(size)
        let unit = id.scale * n  // pixels per head unit
        let cx = FaceRenderer.headCentre.x * n, cy = FaceRenderer.headCentre.y * n
        let rotation = Mat3(pose: pose)

        let head = PosedEllipsoid(centre: .zero, radii: Vec3(id.headWidth, 1, id.headDepth), rotation: rotation)
        let hairMass = PosedEllipsoid(
            centre: Vec3(0, 0.16 + 0.04 * id.hairVolume, -0.12),
            radii: Vec3(id.headWidth * (1.08 + 0.12 * id.hairVolume), 0.98 + 0.10 * id.hairVolume, id.headDepth * 1.06),
            rotation: rotation)
        let ears = [-1, 1].map { (s: Float) in
            PosedEllipsoid(centre: Vec3(s * id.headWidth * 0.95, -0.05, -0.05), radii: Vec3(0.09, 0.2, 0.13), rotation: rotation)
        }
        let ns = id.noseSize
        let nose = PosedEllipsoid(centre: Vec3(0, -0.13, id.headDepth * 0.86),
                                  radii: Vec3(0.09 * ns, 0.16 * ns, 0.15 * ns), rotation: rotation)
        let mouth = Mouth(id, e, gain: expressionGain)
        let eyeHalfHeight = id.eyeSize * 0.56
        let lid = eyeHalfHeight * (1 - 2 * min(1, max(0, e.blink)))  // upper lid height above the eye centre
        let browY = id.eyeHeight + eyeHalfHeight + 0.09 + 0.06 * expressionGain * e.browRaise
        let lash = id.hair * 0.4 + Colour(0.03, 0.02, 0.02)

        func shade(_ normal: Vec3) -> Float { 0.62 + 0.38 * max(0, (normal * FaceRenderer.light).sum()) }

        /// The head's surface colour at a hit, with every face feature drawn on it.
        func headColour(_ h: SurfaceHit) -> Colour {
            let u = atan2(h.unitPoint.x, h.unitPoint.z), v = asin(min(1, max(-1, h.unitPoint.y)))
            let X = u * id.headWidth, Y = v
            let px = unit * max(h.viewNormal.z, 0.05).squareRoot()  // pixels per surface unit here
            let light = shade(h.viewNormal)
            var c = id.skin * light

            // hair on the scalp: above the hairline (lower in the middle with a fringe), and the back
            let hairline = id.hairline - id.fringe * max(0, 1 - (X / 0.38) * (X / 0.38))
            let dHair = min(hairline - Y, max(1.3 - abs(u), -0.02 - Y))
            c = mix(c, id.hair * light, coverage(dHair * px))

            for s: Float in [-1, 1] {
                // brow: a thick arc, inner end tilted by identity
                let t = s * (X - s * id.eyeSpacing / 2)  // along the brow, outward positive
                let arch = browY + 0.03 * (1 - (t / 0.15) * (t / 0.15)) + id.browTilt * t / 0.15
                let dBrow = boxDistance(t, Y - arch, 0.16, 0.026, 0.02)
                c = mix(c, id.hair * 0.75 * light, coverage(dBrow * px))

                // eye: sclera, iris, pupil, cut by the upper lid; lashes along the lid
                let dx = X - s * id.eyeSpacing / 2, dy = Y - id.eyeHeight
                let dEye = ellipseDistance(dx, dy, id.eyeSize, eyeHalfHeight)
                let dOpen = max(dEye, dy - lid)
                c = mix(c, FaceRenderer.eyeWhite, coverage(dOpen * px))
                let r = (dx * dx + dy * dy).squareRoot()
                c = mix(c, id.iris, coverage(max(r - eyeHalfHeight * 0.62, dOpen) * px))
                c = mix(c, Colour(0.03, 0.03, 0.04), coverage(max(r - eyeHalfHeight * 0.3, dOpen) * px))
                c = mix(c, lash, coverage(max(abs(dy - lid) - 0.012, dEye - 0.01) * px))
            }

            // mouth: lips, then the dark interior where the jaw is open
            let mx = X, my = Y - mouth.centreY - mouth.smileCurve * (X / mouth.halfWidth) * (X / mouth.halfWidth)
            let lipHalfHeight = mouth.innerHalfHeight + (my > 0 ? mouth.upperLip : mouth.lowerLip)
            c = mix(c, id.lips * light, coverage(ellipseDistance(mx, my, mouth.halfWidth, lipHalfHeight) * px))
            if mouth.innerHalfHeight > 1e-4 {
                let dInside = ellipseDistance(mx, my, mouth.halfWidth * 0.86, mouth.innerHalfHeight)
                c = mix(c, FaceRenderer.mouthInterior, coverage(dInside * px))
            }
            return c
        }

        for py in 0..<size {
            let y = (cy - (Float(py) + 0.5)) / unit
            let backdrop = id.background * (1.08 - 0.18 * Float(py) / n)
            for pxi in 0..<size {
                let x = (Float(pxi) + 0.5 - cx) / unit
                var c = backdrop

                // shoulders and neck (they do not turn with the head)
                c = mix(c, id.shirt, coverage(ellipseDistance(x, y + 1.78, id.headWidth * 1.9, 0.78) * unit))
                c = mix(c, id.skin * 0.78, coverage(boxDistance(x, y + 1.05, id.headWidth * 0.42, 0.5, 0.08) * unit))

                // hair mass behind the head, ears
                let dMass = hairMass.outlineDistance(x, y)
                if dMass * unit < 1 {
                    c = mix(c, id.hair * shade(hairMass.hit(x, y).viewNormal), coverage(dMass * unit))
                }
                for ear in ears {
                    let dEar = ear.outlineDistance(x, y)
                    if dEar * unit < 1 { c = mix(c, id.skin * 0.9 * shade(ear.hit(x, y).viewNormal), coverage(dEar * unit)) }
                }

                // the face
                let dHead = head.outlineDistance(x, y)
                var headDepth = -Float.infinity
                if dHead * unit < 1 {
                    let h = head.hit(x, y)
                    headDepth = h.depth
                    c = mix(c, headColour(h), coverage(dHead * unit))
                }

                // nose: visible where it stands in front of the face
                let dNose = nose.outlineDistance(x, y)
                if dNose * unit < 1 {
                    let h = nose.hit(x, y)
                    let inFront = min(1, max(0, (h.depth - headDepth) * unit + 0.5))
                    let nostril = h.unitPoint.y < -0.55 && abs(h.unitPoint.x) > 0.25 && abs(h.unitPoint.x) < 0.75
                    let tone = (nostril ? 0.55 : 1) * shade(h.viewNormal)
                    c = mix(c, id.skin * Colour(1.0, 0.94, 0.92) * tone, coverage(dNose * unit) * inFront)
                }
                image[pxi, py] = simd_clamp01(c)
            }
        }
        return image
    }
}
