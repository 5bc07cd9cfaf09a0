/// The 68 facial landmarks in the iBUG 300-W order (0–16 jaw, 17–26 brows, 27–35 nose,
/// 36–47 eyes, 48–59 outer lips, 60–67 inner lips), in pixels.
public struct FaceLandmarks: Codable, Equatable, Sendable {
    public static let count = 68
    public var points: [SIMD2<Float>]

    public init(points: [SIMD2<Float>]) {
        precondition(points.count == FaceLandmarks.count, "\(points.count) landmarks, not 68")
        self.points = points
    }

    public subscript(i: Int) -> SIMD2<Float> { points[i] }

    /// Centres of the subject's right eye (points 36–41, on the image's left) and left eye (42–47).
    public var eyeCentres: (right: SIMD2<Float>, left: SIMD2<Float>) {
        (mean(36..<42), mean(42..<48))
    }

    /// The outer eye corners' distance (points 36 and 45): the normaliser of 300-W's NME.
    public var interOcularDistance: Float { distance(points[36], points[45]) }

    /// Mean point-to-point error against `truth` ÷ truth's inter-ocular distance (NME).
    public func normalisedError(against truth: FaceLandmarks) -> Float {
        let total = zip(points, truth.points).map { distance($0, $1) }.reduce(0, +)
        return total / Float(FaceLandmarks.count) / truth.interOcularDistance
    }

    /// The bounding box of the points.
    public var bounds: FaceBox {
        let xs = points.map(\.x), ys = points.map(\.y)
        return FaceBox(left: xs.min()!, top: ys.min()!, right: xs.max()!, bottom: ys.max()!)
    }

    private func mean(_ range: Range<Int>) -> SIMD2<Float> {
        range.map { points[$0] }.reduce(.zero, +) / Float(range.count)
    }
}

func distance(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    let d = a - b
    return (d * d).sum().squareRoot()
}
