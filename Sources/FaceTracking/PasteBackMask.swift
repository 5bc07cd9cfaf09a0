/// A rectangle of a frame's pixels: columns x ..< x + width, rows y ..< y + height.
public struct PixelRegion: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var count: Int { width * height }
}

/// Where a pasted face shows in a frame: 1 on the face (inside the convex hull of the jaw
/// line and brows, landmarks 0–26), 0 off it, rising smoothly (smoothstep) over `feather`
/// pixels just inside the outline, so that nothing outside the face is replaced and the
/// seam has no hard edge. Pixel (x, y) is judged at its centre (x + 0.5, y + 0.5), the
/// convention of `FaceCropBox`.
public struct PasteBackMask: Sendable {
    /// The part of the frame the mask covers: the hull with a ring of `feather` pixels
    /// around it, clipped to the frame. Elsewhere the mask is 0.
    public let region: PixelRegion
    public let feather: Float
    /// (region.height, region.width), in [0, 1].
    public let values: [Float]
    /// The pixels (indices into `values`) within `feather` of the outline on either side:
    /// where the pasted face meets the frame, and where its colour is matched.
    public let ring: [Int]

    /// The feather for a face pasted at a crop box `side` pixels wide: a twenty-fourth of
    /// it (5 pixels for a 120-pixel box), at least 2.
    public static func feather(boxSide side: Double) -> Float { max(2, Float(side / 24)) }

    /// The landmarks that outline the face: the jaw line (0–16) and the brows (17–26).
    public static func outline(_ face: FaceLandmarks) -> ConvexHull { ConvexHull(Array(face.points[0..<27])) }

    public init(landmarks: FaceLandmarks, feather: Float, frameWidth: Int, frameHeight: Int) {
        self.init(hull: Self.outline(landmarks), feather: feather, frameWidth: frameWidth, frameHeight: frameHeight)
    }

    public init(hull: ConvexHull, feather: Float, frameWidth: Int, frameHeight: Int) {
        precondition(feather > 0, "the feather must be positive")
        self.feather = feather
        guard hull.corners.count >= 3 else {
            region = PixelRegion(x: 0, y: 0, width: 0, height: 0)
            values = []
            ring = []
            return
        }
        let (low, high) = hull.bounds
        let margin = feather + 1
        let x0 = max(0, Int((low.x - margin).rounded(.down))), y0 = max(0, Int((low.y - margin).rounded(.down)))
        let x1 = min(frameWidth, Int((high.x + margin).rounded(.up))), y1 = min(frameHeight, Int((high.y + margin).rounded(.up)))
        region = PixelRegion(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
        var values = [Float](repeating: 0, count: region.count)
        var ring: [Int] = []
        for row in 0..<region.height {
            for column in 0..<region.width {
                let d = hull.signedDistance(SIMD2(Float(x0 + column) + 0.5, Float(y0 + row) + 0.5))
                let t = max(0, min(1, d / feather))
                values[row * region.width + column] = t * t * (3 - 2 * t)
                if abs(d) <= feather { ring.append(row * region.width + column) }
            }
        }
        self.values = values
        self.ring = ring
    }

    /// The mask at frame pixel (x, y): 0 outside `region`.
    public func value(x: Int, y: Int) -> Float {
        let column = x - region.x, row = y - region.y
        guard column >= 0 && column < region.width && row >= 0 && row < region.height else { return 0 }
        return values[row * region.width + column]
    }
}
