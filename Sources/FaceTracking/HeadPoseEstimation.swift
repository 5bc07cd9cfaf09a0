import Datasets
import Foundation

/// Head pose from 2-D landmarks by PnP: the rotation and translation that project a generic
/// 3-D face onto the landmarks best, solved by Levenberg–Marquardt, through a pinhole camera
/// whose focal length is the frame's width and whose centre is the frame's centre
/// (docs/architecture.md §14).
///
/// Angles follow `pose.csv` and the synthetic speaker: yaw + turns the face to the image's
/// right, pitch + tips it up, roll + tilts it counter-clockwise in the image; the rotation is
/// roll · yaw · pitch.
public struct HeadPoseEstimator: Sendable {
    /// A generic face in millimetres-like units (x right, y up, z toward the viewer; nose tip
    /// at the origin), at the landmarks that stay put while the face talks: the widely used
    /// six-point anthropometric model.
    public static let model: [(landmark: Int, point: SIMD3<Double>)] = [
        (30, SIMD3(0, 0, 0)),            // nose tip
        (8, SIMD3(0, -330, -65)),        // chin
        (36, SIMD3(-225, 170, -135)),    // outer corner of the eye on the image's left
        (45, SIMD3(225, 170, -135)),     // outer corner of the eye on the image's right
        (48, SIMD3(-150, -150, -125)),   // mouth corner on the image's left
        (54, SIMD3(150, -150, -125)),    // mouth corner on the image's right
    ]

    public let frameWidth: Double, frameHeight: Double
    public var focalLength: Double { frameWidth }

    public init(frameWidth: Int, frameHeight: Int) {
        self.frameWidth = Double(frameWidth)
        self.frameHeight = Double(frameHeight)
    }

    /// Pose (radians) and translation (model units, camera frame) of one face, and the RMS
    /// reprojection error in pixels.
    public struct Estimate: Sendable {
        public var pose: HeadPose
        public var translation: SIMD3<Double>
        public var reprojectionError: Double
    }

    /// Solves PnP for `landmarks` (pixels), starting from `start` (the previous frame's
    /// estimate in a video; nil: a frontal face at the landmarks' scale).
    public func estimate(_ landmarks: FaceLandmarks, start: Estimate? = nil) -> Estimate {
        let observed = Self.model.map { SIMD2<Double>(Double(landmarks[$0.landmark].x), Double(landmarks[$0.landmark].y)) }
        var p: [Double]  // pitch, yaw, roll, tx, ty, tz
        if let start {
            p = [Double(start.pose.pitch), Double(start.pose.yaw), Double(start.pose.roll),
                 start.translation.x, start.translation.y, start.translation.z]
        } else {
            let eyes = (observed[2] - observed[3]).magnitude
            let z = focalLength * 450 / max(eyes, 1)
            p = [0, 0, 0, (observed[0].x - frameWidth / 2) * z / focalLength, (observed[0].y - frameHeight / 2) * z / focalLength, z]
        }
        var lambda = 1e-3
        var cost = residuals(p, observed).map { $0 * $0 }.reduce(0, +)
        for _ in 0..<100 {
            let r = residuals(p, observed)
            let jacobian = self.jacobian(p, observed)  // (2N, 6)
            var jtj = [Double](repeating: 0, count: 36), jtr = [Double](repeating: 0, count: 6)
            for row in 0..<r.count {
                for i in 0..<6 {
                    jtr[i] += jacobian[row][i] * r[row]
                    for j in 0..<6 { jtj[6 * i + j] += jacobian[row][i] * jacobian[row][j] }
                }
            }
            var improved = false
            while lambda < 1e10 {
                var a = jtj
                for i in 0..<6 { a[7 * i] += lambda * max(jtj[7 * i], 1e-9) }
                guard let step = Self.solve6(a, jtr.map { -$0 }) else { lambda *= 10; continue }
                let trial = zip(p, step).map { $0 + $1 }
                let trialCost = residuals(trial, observed).map { $0 * $0 }.reduce(0, +)
                if trialCost < cost {
                    let relative = (cost - trialCost) / max(cost, 1e-12)
                    p = trial
                    cost = trialCost
                    lambda = max(lambda / 10, 1e-12)
                    improved = relative > 1e-10
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        let pose = HeadPose(yaw: Float(p[1]), pitch: Float(p[0]), roll: Float(p[2]))
        return Estimate(pose: pose, translation: SIMD3(p[3], p[4], p[5]),
                        reprojectionError: (cost / Double(observed.count)).squareRoot())
    }

    /// The model's landmarks in pixels for parameters (pitch, yaw, roll, tx, ty, tz).
    public func project(_ p: [Double]) -> [SIMD2<Double>] {
        let r = Self.rotation(pitch: p[0], yaw: p[1], roll: p[2])
        return Self.model.map { entry in
            // the model's y up and z toward the viewer become the camera's y down and z forward
            let x = SIMD3(entry.point.x, -entry.point.y, -entry.point.z)
            let c = SIMD3((r[0] * x).sum(), (r[1] * x).sum(), (r[2] * x).sum()) + SIMD3(p[3], p[4], p[5])
            return SIMD2(focalLength * c.x / c.z + frameWidth / 2, focalLength * c.y / c.z + frameHeight / 2)
        }
    }

    /// Rows of Rz(−roll) · Ry(−yaw) · Rx(−pitch) in camera coordinates (x right, y down, z
    /// forward): the signs make + yaw move the nose right, + pitch move it up, + roll turn
    /// the eye line counter-clockwise, as the image shows them.
    static func rotation(pitch: Double, yaw: Double, roll: Double) -> [SIMD3<Double>] {
        let (a, b, c) = (-pitch, -yaw, -roll)
        let rx: [SIMD3<Double>] = [SIMD3(1, 0, 0), SIMD3(0, cos(a), -sin(a)), SIMD3(0, sin(a), cos(a))]
        let ry: [SIMD3<Double>] = [SIMD3(cos(b), 0, sin(b)), SIMD3(0, 1, 0), SIMD3(-sin(b), 0, cos(b))]
        let rz: [SIMD3<Double>] = [SIMD3(cos(c), -sin(c), 0), SIMD3(sin(c), cos(c), 0), SIMD3(0, 0, 1)]
        return multiply(rz, multiply(ry, rx))
    }

    private static func multiply(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> [SIMD3<Double>] {
        (0..<3).map { i in SIMD3((0..<3).map { j in (0..<3).map { k in a[i][k] * b[k][j] }.reduce(0, +) }) }
    }

    private func residuals(_ p: [Double], _ observed: [SIMD2<Double>]) -> [Double] {
        zip(project(p), observed).flatMap { [$0.x - $1.x, $0.y - $1.y] }
    }

    /// Central differences: six parameters, twelve residuals.
    private func jacobian(_ p: [Double], _ observed: [SIMD2<Double>]) -> [[Double]] {
        var columns: [[Double]] = []
        for i in 0..<6 {
            let h = i < 3 ? 1e-6 : max(1e-6 * abs(p[i]), 1e-6)
            var plus = p, minus = p
            plus[i] += h
            minus[i] -= h
            columns.append(zip(residuals(plus, observed), residuals(minus, observed)).map { ($0 - $1) / (2 * h) })
        }
        return (0..<columns[0].count).map { row in (0..<6).map { columns[$0][row] } }
    }

    /// Gaussian elimination with partial pivoting of a 6 × 6 system; nil when singular.
    static func solve6(_ matrix: [Double], _ rhs: [Double]) -> [Double]? {
        var a = matrix, b = rhs
        for col in 0..<6 {
            let pivot = (col..<6).max { abs(a[6 * $0 + col]) < abs(a[6 * $1 + col]) }!
            guard abs(a[6 * pivot + col]) > 1e-300 else { return nil }
            if pivot != col {
                for k in 0..<6 { a.swapAt(6 * col + k, 6 * pivot + k) }
                b.swapAt(col, pivot)
            }
            for row in (col + 1)..<6 {
                let f = a[6 * row + col] / a[6 * col + col]
                for k in col..<6 { a[6 * row + k] -= f * a[6 * col + k] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: 6)
        for row in (0..<6).reversed() {
            x[row] = (b[row] - ((row + 1)..<6).map { a[6 * row + $0] * x[$0] }.reduce(0, +)) / a[6 * row + row]
        }
        return x
    }
}

extension SIMD2 where Scalar == Double {
    var magnitude: Double { (x * x + y * y).squareRoot() }
}
