import Datasets

/// One generated crop pasted into one frame: resampled to its box, colour-matched at the
/// seam, blended through the feathered face mask. Frames are (H, W, 3) in [0, 1]; the crop
/// is (S, S, 3).
public enum PasteBackComposite {
    public struct Result: Sendable {
        public var frame: RGBImage
        /// The seam's colour step (`PasteBackColourMatch.seamStep`) without and with the
        /// colour match, in [0, 1] units.
        public var seamStepBefore: Float, seamStepAfter: Float
        /// What was added to the crop's colour.
        public var offset: Colour
    }

    /// `crop` (cut from a frame by `box`, then generated) pasted into `frame`, whose face
    /// has the landmarks `face` (frame pixels); `feather` defaults to the box's.
    public static func paste(_ crop: RGBImage, box: FaceCropBox, face: FaceLandmarks, into frame: RGBImage,
                             feather: Float? = nil, matchColour: Bool = true) -> Result {
        let mask = PasteBackMask(landmarks: face, feather: feather ?? PasteBackMask.feather(boxSide: box.side),
                                 frameWidth: frame.width, frameHeight: frame.height)
        let pasted = PastedCrop(crop, box: box, region: mask.region)
        let offset = matchColour ? PasteBackColourMatch.offset(pasted, frame: frame, mask: mask) : .zero
        let before = PasteBackColourMatch.seamStep(pasted, frame: frame, mask: mask)
        let after = matchColour ? PasteBackColourMatch.seamStep(pasted, frame: frame, mask: mask, offset: offset) : before
        return Result(frame: blend(pasted, into: frame, mask: mask, offset: offset),
                      seamStepBefore: before, seamStepAfter: after, offset: offset)
    }

    /// frame + mask · (crop + offset − frame) where the crop covers the frame, clamped to
    /// [0, 1]; a crop equal to the frame with no offset leaves it exactly as it was.
    public static func blend(_ crop: PastedCrop, into frame: RGBImage, mask: PasteBackMask, offset: Colour = .zero) -> RGBImage {
        precondition(crop.region == mask.region, "crop and mask cover different regions")
        var out = frame
        let region = mask.region
        for row in 0..<region.height {
            for column in 0..<region.width {
                let i = row * region.width + column
                let m = mask.values[i]
                guard crop.covered[i] && m > 0 else { continue }
                let x = region.x + column, y = region.y + row
                let f = frame[x, y]
                let mixed = f + m * (crop.colours[i] + offset - f)
                out[x, y] = pointwiseMax(.zero, pointwiseMin(Colour(repeating: 1), mixed))
            }
        }
        return out
    }
}
