import Datasets

/// The pasted face's colour matched to the frame at the seam. A generated face may come
/// out lighter, darker or tinted against the frame it goes into (another light, another
/// white balance, a model's drift); the step would show along the outline. The crop's
/// low-frequency colour — its mean, per channel — is shifted by the mean difference
/// between frame and crop over the mask's ring, so that inside and outside agree where
/// they meet. Shapes: colours are (3,) RGB in [0, 1].
public enum PasteBackColourMatch {
    /// mean(frame − crop) over the ring pixels the crop covers (zero when it covers none).
    public static func offset(_ crop: PastedCrop, frame: RGBImage, mask: PasteBackMask) -> Colour {
        precondition(crop.region == mask.region, "crop and mask cover different regions")
        var sum = SIMD3<Double>.zero, count = 0
        forEachRingPixel(crop, mask) { i, x, y in
            let d = frame[x, y] - crop.colours[i]
            sum += SIMD3(Double(d.x), Double(d.y), Double(d.z))
            count += 1
        }
        guard count > 0 else { return .zero }
        let mean = sum / Double(count)
        return Colour(Float(mean.x), Float(mean.y), Float(mean.z))
    }

    /// The seam's colour step: how far the composite departs from the frame across the
    /// outline, mean |composite − frame| = mean mask · |crop + offset − frame| over the ring
    /// pixels the crop covers, averaged over R, G and B, in [0, 1] units (× 255 for 8-bit
    /// levels). It counts texture as well as colour, so even the frame's own crop, blurred
    /// by its trip through S × S pixels, scores above 0.
    public static func seamStep(_ crop: PastedCrop, frame: RGBImage, mask: PasteBackMask, offset: Colour = .zero) -> Float {
        precondition(crop.region == mask.region, "crop and mask cover different regions")
        var sum = 0.0, count = 0
        forEachRingPixel(crop, mask) { i, x, y in
            let d = crop.colours[i] + offset - frame[x, y]
            sum += Double(mask.values[i] * (abs(d.x) + abs(d.y) + abs(d.z))) / 3
            count += 1
        }
        return count > 0 ? Float(sum / Double(count)) : 0
    }

    private static func forEachRingPixel(_ crop: PastedCrop, _ mask: PasteBackMask, _ body: (_ index: Int, _ x: Int, _ y: Int) -> Void) {
        let width = mask.region.width
        for i in mask.ring where crop.covered[i] {
            body(i, mask.region.x + i % width, mask.region.y + i / width)
        }
    }
}
