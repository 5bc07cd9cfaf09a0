import Datasets
/// The factors a synthetic face is rendered from. Lengths are in head units (the head's
/// vertical radius is 1); angles in radians. Every factor of every frame is saved, so the
/// data set carries its own ground truth (docs/architecture.md §9).

/// Who the speaker is: fixed for all frames of one speaker.
public struct FaceIdentity: Codable, Equatable, Sendable {
    public var headWidth: Float      // ellipsoid x radius (head height radius = 1)
    public var headDepth: Float      // ellipsoid z radius
    public var scale: Float          // head radius as a fraction of the image size
    public var eyeSpacing: Float     // distance between eye centres along the face surface
    public var eyeHeight: Float      // eye latitude above the head centre
    public var eyeSize: Float        // half-width of an eye
    public var mouthWidth: Float     // half-width of the mouth at rest
    public var noseSize: Float
    public var browTilt: Float       // inner ends lower (>0, stern) or higher (<0, worried)
    public var hairline: Float       // latitude where the hair starts on the forehead
    public var fringe: Float         // how far the hair comes down in the middle
    public var hairVolume: Float     // size of the hair mass behind the head
    public var restSmile: Float      // the smile this person returns to
    public var skin: Colour
    public var hair: Colour
    public var iris: Colour
    public var lips: Colour
    public var background: Colour
    public var shirt: Colour

    /// The lips' colour for a skin colour, both lit by `light` (the renderer shades each by
    /// the same factor): a redder, darker skin. `FaceMeasurement` computes it from the cheeks.
    public static func lipColour(skin: Colour, light: Float) -> Colour {
        skin * Colour(0.86, 0.62, 0.62) + Colour(0.08, 0, 0.02) * light
    }

    /// A random identity. Colours avoid the two the analytic measurements key on: near-white
    /// (the eye whites) and the near-black of the mouth interior.
    public static func random(using rng: inout SeededRandom) -> FaceIdentity {
        func pick(_ palette: [Colour]) -> Colour {
            let base = palette[Int(rng.unit() * Float(palette.count)) % palette.count]
            let jitter = Colour(rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04))
            return simd_clamp01(base + jitter)
        }
        let skins: [Colour] = [[0.93, 0.76, 0.65], [0.85, 0.65, 0.52], [0.72, 0.52, 0.38],
                               [0.55, 0.38, 0.27], [0.42, 0.28, 0.20], [0.90, 0.72, 0.58]]
        let hairs: [Colour] = [[0.08, 0.06, 0.05], [0.30, 0.18, 0.10], [0.55, 0.40, 0.22],
                               [0.62, 0.30, 0.12], [0.55, 0.55, 0.55], [0.20, 0.12, 0.08]]
        let irises: [Colour] = [[0.25, 0.15, 0.08], [0.20, 0.35, 0.55], [0.25, 0.42, 0.25], [0.35, 0.25, 0.12]]
        let backgrounds: [Colour] = [[0.25, 0.35, 0.55], [0.30, 0.50, 0.35], [0.55, 0.45, 0.30],
                                     [0.40, 0.40, 0.45], [0.20, 0.25, 0.30], [0.50, 0.30, 0.40]]
        let shirts: [Colour] = [[0.15, 0.20, 0.40], [0.45, 0.12, 0.12], [0.20, 0.35, 0.20],
                                [0.30, 0.30, 0.30], [0.50, 0.42, 0.20]]
        var skin = pick(skins)
        let lips = simd_clamp01(lipColour(skin: skin, light: 1))
        skin = simd_clamp01(skin)
        return FaceIdentity(
            headWidth: rng.uniform(0.74, 0.86), headDepth: rng.uniform(0.82, 0.92),
            scale: rng.uniform(0.29, 0.33),
            eyeSpacing: rng.uniform(0.56, 0.66), eyeHeight: rng.uniform(0.10, 0.18),
            eyeSize: rng.uniform(0.18, 0.21), mouthWidth: rng.uniform(0.24, 0.30),
            noseSize: rng.uniform(0.85, 1.15), browTilt: rng.uniform(-0.04, 0.05),
            hairline: rng.uniform(0.50, 0.64), fringe: rng.uniform(0.0, 0.22),
            hairVolume: rng.uniform(0.0, 1.0), restSmile: rng.uniform(0.0, 0.35),
            skin: skin, hair: pick(hairs), iris: pick(irises), lips: lips,
            background: pick(backgrounds), shirt: pick(shirts))
    }
}

/// What the face is doing at one instant.
public struct FaceExpression: Codable, Equatable, Sendable {
    public var jawOpen: Float      // 0 closed … 1 wide open
    public var lipWidth: Float     // -1 pursed … 1 spread
    public var lipRounding: Float  // 0 … 1 (an "oo")
    public var smile: Float        // -0.5 … 1
    public var blink: Float        // 0 open … 1 closed
    public var browRaise: Float    // -1 frown … 1 raised

    public init(jawOpen: Float = 0, lipWidth: Float = 0, lipRounding: Float = 0,
                smile: Float = 0, blink: Float = 0, browRaise: Float = 0) {
        self.jawOpen = jawOpen
        self.lipWidth = lipWidth
        self.lipRounding = lipRounding
        self.smile = smile
        self.blink = blink
        self.browRaise = browRaise
    }
}

@inline(__always) func simd_clamp01(_ c: Colour) -> Colour {
    c.replacing(with: 0, where: c .< 0).replacing(with: 1, where: c .> 1)
}
