import Datasets

/// A generated crop brought into a frame's pixels: the S × S crop that `box` cut from the
/// frame (as `prepare` cut its frames), resampled back to the box's place and size over
/// `region`. Bilinear; when the box is smaller than the crop, each frame pixel averages
/// ⌈S / side⌉² samples, so the shrunk face does not alias.
public struct PastedCrop: Sendable {
    public let region: PixelRegion
    /// (region.height, region.width): the crop's colour at each pixel of the region.
    public let colours: [Colour]
    /// (region.height, region.width): whether the pixel lies inside the box (elsewhere
    /// the crop has nothing to give and the frame stays as it is).
    public let covered: [Bool]

    public init(_ crop: RGBImage, box: FaceCropBox, region: PixelRegion) {
        precondition(crop.width == crop.height, "a generated crop is square, not \(crop.width)×\(crop.height)")
        let size = crop.width
        let taps = max(1, Int((Double(size) / box.side).rounded(.up)))
        let side = Float(size)
        var colours = [Colour](repeating: .zero, count: region.count)
        var covered = [Bool](repeating: false, count: region.count)
        for row in 0..<region.height {
            for column in 0..<region.width {
                let x = Float(region.x + column), y = Float(region.y + row)
                let centre = box.toCrop(SIMD2(x + 0.5, y + 0.5), size: size)
                guard centre.x >= 0 && centre.x <= side && centre.y >= 0 && centre.y <= side else { continue }
                var sum = Colour.zero
                for ty in 0..<taps {
                    for tx in 0..<taps {
                        let p = taps == 1 ? centre
                            : box.toCrop(SIMD2(x + (Float(tx) + 0.5) / Float(taps), y + (Float(ty) + 0.5) / Float(taps)), size: size)
                        sum += crop.bilinear(Double(p.x) - 0.5, Double(p.y) - 0.5)
                    }
                }
                colours[row * region.width + column] = sum / Float(taps * taps)
                covered[row * region.width + column] = true
            }
        }
        self.region = region
        self.colours = colours
        self.covered = covered
    }
}
