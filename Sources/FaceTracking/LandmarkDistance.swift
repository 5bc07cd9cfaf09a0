extension FaceLandmarks {
    /// The points that stay put while a face talks: the nose (27–35) and the eyes (36–47).
    public static let stablePoints = Array(27..<48)
    /// The outer (48–59) and inner (60–67) lips.
    public static let mouthPoints = Array(48..<68)

    /// LMD, the landmark distance of the mouth: this face is first brought onto `truth` by
    /// the similarity that best aligns their stable points (so head position, size and
    /// in-plane tilt do not count), then the 20 mouth points' mean distance to truth's is
    /// divided by truth's inter-ocular distance (outer eye corners). 0 for the same mouth;
    /// nan when either face's stable points collapse to one point.
    public func mouthDistance(to truth: FaceLandmarks) -> Double {
        guard let align = SimilarityTransform.fit(from: Self.stablePoints.map { points[$0] },
                                                  to: Self.stablePoints.map { truth[$0] }),
              truth.interOcularDistance > 0 else { return .nan }
        let total = Self.mouthPoints.map { Double(distance(align(points[$0]), truth[$0])) }.reduce(0, +)
        return total / Double(Self.mouthPoints.count) / Double(truth.interOcularDistance)
    }
}
