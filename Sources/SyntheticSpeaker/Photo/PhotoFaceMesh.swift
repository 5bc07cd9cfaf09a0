import Foundation

/// The triangle mesh a photo speaker's frames are warped with: the rig's points (the 68
/// landmarks and the forehead), a ring of anchors around the head that never move, and the
/// frame's four corners. Everything outside the ring stays put, so the background does not
/// swim while the face moves; the band between the face and the ring stretches with it.
///
///     let mesh = PhotoFaceMesh(rig: rig, frameSide: 256)   // rig points in frame pixels
///     let warped = mesh.warp(still, to: mesh.vertices(rig.posed(pose, expression)))
struct PhotoFaceMesh: Sendable {
    let warp: PiecewiseAffineWarp
    let rigCount: Int
    /// What was added to each rig point so that no two mesh points coincide (a closed
    /// mouth's inner lips can); moved points get the same, so a face at rest maps onto itself.
    let separation: [SIMD2<Float>]

    /// Anchors all round the face centre, each this many times as far out as the rig's
    /// furthest point in its direction (so outside the face, however the face is shaped).
    static let ringScale: Float = 1.6
    static let ringCount = 16

    init(rig: PhotoFaceRig, frameSide side: Float) {
        let points = rig.points
        var nudged = points
        // Points closer than a tenth of a pixel move apart (later points give way).
        let minimum: Float = 0.1
        for j in nudged.indices {
            for i in 0..<j {
                let d = nudged[j] - nudged[i]
                let length = (d * d).sum().squareRoot()
                if length < minimum {
                    nudged[j] += length > 1e-6 ? d / length * (minimum - length) : rig.down * minimum
                }
            }
        }
        separation = zip(nudged, points).map { $0 - $1 }
        rigCount = points.count

        // The ring, kept a little inside the frame and apart from its neighbours.
        let offsets = points.map { $0 - rig.centre }
        let inset = 0.03 * side
        var anchors: [SIMD2<Float>] = []
        for k in 0..<PhotoFaceMesh.ringCount {
            let angle = 2 * Float.pi * Float(k) / Float(PhotoFaceMesh.ringCount)
            let direction = cos(angle) * rig.across + sin(angle) * rig.down
            let reach = offsets.map { ($0 * direction).sum() }.max()! * PhotoFaceMesh.ringScale
            var p = rig.centre + reach * direction
            p = pointwiseMin(pointwiseMax(p, SIMD2(repeating: inset)), SIMD2(repeating: side - inset))
            if anchors.allSatisfy({ (($0 - p) * ($0 - p)).sum() > inset * inset }) { anchors.append(p) }
        }
        anchors += [SIMD2(0, 0), SIMD2(side, 0), SIMD2(side, side), SIMD2(0, side)]
        warp = PiecewiseAffineWarp(source: nudged + anchors)
    }

    /// The mesh's destination for moved rig points: the anchors stay.
    func vertices(_ moved: [SIMD2<Float>]) -> [SIMD2<Float>] {
        precondition(moved.count == rigCount, "\(moved.count) moved points for a rig of \(rigCount)")
        return zip(moved, separation).map { $0 + $1 } + warp.source[rigCount...]
    }
}
