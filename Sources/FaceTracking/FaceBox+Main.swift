extension Array where Element == FaceBox {
    /// The face to follow among several: the largest of those the detector is about as sure
    /// of as its best (a score of at least half the best one's, and ≥ 0, dlib's own threshold),
    /// else the best-scoring one. A badge or a pattern can pass the tracker's lower threshold
    /// and be larger than the face: on scikit-image's astronaut.png a round mission patch
    /// scores −0.01 beside her face's 1.51, and above 0 in some noisy frames.
    public var mainFace: FaceBox? {
        guard let best = self.max(by: { $0.score < $1.score }) else { return nil }
        let floor = Swift.max(0, best.score / 2)
        return filter { $0.score >= floor }.max { $0.area < $1.area } ?? best
    }
}

extension FaceBox {
    /// Intersection over union with `other`: 1 for the same box, 0 for boxes apart.
    public func overlap(with other: FaceBox) -> Float {
        let width = Swift.max(0, Swift.min(right, other.right) - Swift.max(left, other.left))
        let height = Swift.max(0, Swift.min(bottom, other.bottom) - Swift.max(top, other.top))
        let shared = width * height
        let union = area + other.area - shared
        return union > 0 ? shared / union : 0
    }
}
