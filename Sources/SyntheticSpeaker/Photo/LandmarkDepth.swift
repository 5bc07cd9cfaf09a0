/// How far each of the 68 iBUG landmarks stands toward the viewer on a generic face, in
/// inter-ocular distances (outer eye corners 36–45 one apart) from the nose tip (0): the
/// depth a photo speaker's 2.5-D head turn shifts points by. Values follow the proportions
/// of the generic face `HeadPoseEstimator` fits (eye corners 0.30 behind the nose tip,
/// mouth corners 0.28, chin 0.14), with the jaw line curving back to the ears.
enum LandmarkDepth {
    static let values: [Float] = [
        // 0–16 jaw line, from the image's left ear round the chin to the right ear
        -0.95, -0.90, -0.80, -0.66, -0.52, -0.38, -0.26, -0.18, -0.15, -0.18, -0.26, -0.38, -0.52, -0.66, -0.80, -0.90, -0.95,
        // 17–21, 22–26 brows, outer to inner, inner to outer
        -0.44, -0.32, -0.25, -0.21, -0.20, -0.20, -0.21, -0.25, -0.32, -0.44,
        // 27–30 nose bridge to tip, 31–35 nostrils and base
        -0.28, -0.19, -0.10, 0.00, -0.20, -0.14, -0.10, -0.14, -0.20,
        // 36–41, 42–47 eyes (outer corner, upper lid, inner corner, lower lid)
        -0.30, -0.26, -0.26, -0.29, -0.27, -0.27, -0.29, -0.26, -0.26, -0.30, -0.27, -0.27,
        // 48–59 outer lips from the left corner over the top and back under the bottom
        -0.28, -0.20, -0.15, -0.13, -0.15, -0.20, -0.28, -0.21, -0.16, -0.15, -0.16, -0.21,
        // 60–67 inner lips
        -0.27, -0.18, -0.16, -0.18, -0.27, -0.19, -0.17, -0.19,
    ]

    /// Depth of the forehead points a photo rig adds above the brows, outer to outer.
    static let forehead: [Float] = [-0.62, -0.38, -0.30, -0.38, -0.62]
}
