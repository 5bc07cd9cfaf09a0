extension FaceLandmarks {
    /// Mouth width: the mouth corners' distance (points 48 and 54).
    public var mouthWidth: Float { distance(points[48], points[54]) }

    /// The inner lips' mean vertical gap: the three facing pairs of the inner lip contour
    /// (61–67, 62–66, 63–65; 60 and 64 are its corners), in pixels.
    public var innerLipGap: Float {
        (distance(points[61], points[67]) + distance(points[62], points[66]) + distance(points[63], points[65])) / 3
    }

    /// The inner-lip gap ÷ the mouth width: 0 for a closed mouth, scale-free, so faces of
    /// any size (and a frame upscaled for the detector) compare directly.
    public var mouthOpening: Float {
        mouthWidth > 0 ? innerLipGap / mouthWidth : 0
    }
}
