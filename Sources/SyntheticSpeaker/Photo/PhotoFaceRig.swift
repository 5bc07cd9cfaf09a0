import Datasets
import DrawnFace
import Foundation

/// A photographed face's 68 landmarks (iBUG order), plus five forehead points, moved by a
/// synthetic speaker's factors: what the piecewise-affine warp then carries the photo along.
///
/// Moves are made in the face's own frame, measured once from the rest landmarks: origin the
/// landmarks' mean, a along the eye line (toward the image's right), b across it (downward),
/// both in inter-ocular distances (outer eye corners 36–45). Expression moves the points in
/// that plane; the head pose then turns every point about a pivot one inter-ocular distance
/// behind the nose tip, with each point's depth from `LandmarkDepth` (a 2.5-D turn: points
/// in front shift further than the jaw line), and tilts the whole face about its centre.
///
///     let rig = PhotoFaceRig(landmarks: points)             // 68 points, pixels, y down
///     let moved = rig.posed(pose, expression)               // 73 points: 68 landmarks, 5 forehead
///     rig.posed(HeadPose(), FaceExpression()) == rig.points // factors at rest move nothing
public struct PhotoFaceRig: Sendable {
    /// The rest points: the 68 landmarks, then the forehead points left to right.
    public let points: [SIMD2<Float>]
    public static let landmarkCount = 68
    public static let foreheadCount = LandmarkDepth.forehead.count
    /// Pixels per face unit: the outer eye corners' distance.
    public let interOcularDistance: Float

    let centre: SIMD2<Float>
    let across: SIMD2<Float>, down: SIMD2<Float>  // unit axes of the face frame in the image
    let local: [SIMD2<Float>]  // (a, b) of every point
    let depth: [Float]
    let mouthCentreA: Float
    let jawWeight: [Float]  // how much of the chin's drop each jaw-line point takes

    /// Depth of the head's turning centre, from the nose tip.
    static let pivotDepth: Float = -1.0
    /// The inner lips' gap at a fully open jaw, in inter-ocular distances.
    static let fullOpening: Float = 0.40

    public init(landmarks: [SIMD2<Float>]) {
        precondition(landmarks.count == PhotoFaceRig.landmarkCount, "\(landmarks.count) landmarks, not 68")
        func mean(_ r: Range<Int>) -> SIMD2<Float> { r.map { landmarks[$0] }.reduce(.zero, +) / Float(r.count) }
        let centre = mean(0..<68)
        let eyeLine = mean(42..<48) - mean(36..<42)
        let across = eyeLine / max((eyeLine * eyeLine).sum().squareRoot(), 1e-6)
        let down = SIMD2(-across.y, across.x)
        let corners = landmarks[45] - landmarks[36]
        let unit = max((corners * corners).sum().squareRoot(), 1e-3)
        func toLocal(_ p: SIMD2<Float>) -> SIMD2<Float> {
            let v = p - centre
            return SIMD2((v * across).sum(), (v * down).sum()) / unit
        }
        var local = landmarks.map(toLocal)

        // Forehead points: an arc 0.4–0.5 face units above the brows' top, over the eyes' span.
        let browTop = (17..<27).map { local[$0].y }.min()!
        let eyesMidA = (toLocal(mean(36..<42)).x + toLocal(mean(42..<48)).x) / 2
        for u: Float in [-1, -0.5, 0, 0.5, 1] {
            local.append(SIMD2(eyesMidA + 0.8 * u, browTop - 0.4 - 0.1 * (1 - u * u)))
        }
        self.centre = centre
        self.across = across
        self.down = down
        self.interOcularDistance = unit
        self.local = local
        self.depth = LandmarkDepth.values + LandmarkDepth.forehead
        points = landmarks + local[68...].map { centre + unit * ($0.x * across + $0.y * down) }
        mouthCentreA = (local[48].x + local[54].x) / 2
        let hinge = (local[0].y + local[16].y) / 2, chin = local[8].y
        jawWeight = (0..<17).map { i in
            let w = min(1, max(0, (local[i].y - hinge) / max(chin - hinge, 1e-3)))
            return pow(w, 1.5)
        }
    }

    /// Every point moved by an expression, then turned by a pose. `expressionGain` scales lip
    /// width, rounding, smile and brows as it does for the drawn face; jaw and blink keep theirs.
    public func posed(_ pose: HeadPose, _ e: FaceExpression, expressionGain g: Float = 1) -> [SIMD2<Float>] {
        let moved = expressed(e, gain: g)
        let (cp, sp) = (cos(pose.pitch), sin(pose.pitch))
        let (cy, sy) = (cos(pose.yaw), sin(pose.yaw))
        let (cr, sr) = (cos(pose.roll), sin(pose.roll))
        return points.indices.map { i in
            // 3-D with y up and z toward the viewer, about the pivot; then roll · yaw · pitch.
            let x = moved[i].x, y = -moved[i].y, z = depth[i] - PhotoFaceRig.pivotDepth
            let y1 = y * cp + z * sp, z1 = -y * sp + z * cp
            let x2 = x * cy + z1 * sy
            let x3 = x2 * cr - y1 * sr, y3 = x2 * sr + y1 * cr
            let shift = SIMD2(x3 - local[i].x, -y3 - local[i].y)  // face units; zero at rest
            return points[i] + interOcularDistance * (shift.x * across + shift.y * down)
        }
    }

    /// The points in the face frame after the expression's moves (before any turn).
    func expressed(_ e: FaceExpression, gain g: Float) -> [SIMD2<Float>] {
        var shift = [SIMD2<Float>](repeating: .zero, count: points.count)
        func move(_ indices: [Int], _ by: SIMD2<Float>) { for i in indices { shift[i] += by } }
        let open = min(1, max(0, e.jawOpen)), rounding = min(1, max(0, e.lipRounding))

        // Lip width, smile and rounding widen or narrow the mouth about its centre (the drawn
        // face's factor, with the same floor).
        let widen = max(0.35, 1 + g * (0.22 * e.lipWidth + 0.15 * e.smile - 0.32 * rounding)) - 1
        for i in 48..<68 { shift[i].x += (local[i].x - mouthCentreA) * widen }
        // Smile lifts the corners, a little of it their neighbours; a negative one drops them.
        move([48, 54, 60, 64], SIMD2(0, -0.10 * g * e.smile))
        move([49, 53, 55, 59, 61, 63, 65, 67], SIMD2(0, -0.04 * g * e.smile))
        // Rounding pushes the lips out: they look thicker.
        move([50, 51, 52], SIMD2(0, -0.05 * g * rounding))
        move([49, 53], SIMD2(0, -0.025 * g * rounding))
        move([56, 57, 58], SIMD2(0, 0.05 * g * rounding))
        move([55, 59], SIMD2(0, 0.025 * g * rounding))

        // Jaw: the inner lips part by fullOpening · open^0.75 (fastest in speech's small
        // openings, as the drawn mouth does), the lower lip taking most of it, the upper
        // lip a little; the chin drops with the lower lip, the jaw line less toward the ears.
        let gap = PhotoFaceRig.fullOpening * pow(open, 0.75) * (1 + 0.25 * rounding)
        let lower = 0.85 * gap, upper = 0.15 * gap
        move([65, 66, 67, 56, 57, 58], SIMD2(0, lower))
        move([55, 59], SIMD2(0, 0.8 * lower))
        move([48, 54, 60, 64], SIMD2(0, 0.5 * (lower - upper)))
        move([61, 62, 63, 50, 51, 52], SIMD2(0, -upper))
        move([49, 53], SIMD2(0, -0.7 * upper))
        for i in 0..<17 { shift[i].y += lower * jawWeight[i] }

        // Blink: each upper lid comes down most of the way to the lower one, which rises a little.
        let blink = min(1, max(0, e.blink))
        for (top, bottom) in [(37, 41), (38, 40), (43, 47), (44, 46)] {
            let span = local[bottom] - local[top]
            shift[top] += 0.85 * blink * span
            shift[bottom] -= 0.10 * blink * span
        }

        // Brows rise or fall, the forehead a little with them; a frown also draws the inner ends together.
        let brow = e.browRaise
        for i in 17..<27 { shift[i].y -= 0.10 * g * brow }
        for i in PhotoFaceRig.landmarkCount..<points.count { shift[i].y -= 0.04 * g * brow }
        let frown = 0.03 * g * max(0, -brow)
        move([21], SIMD2(frown, 0)); move([20], SIMD2(0.5 * frown, 0))
        move([22], SIMD2(-frown, 0)); move([23], SIMD2(-0.5 * frown, 0))

        return zip(local, shift).map { $0 + $1 }
    }
}
