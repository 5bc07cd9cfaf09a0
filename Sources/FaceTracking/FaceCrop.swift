import Datasets
import Foundation

/// Where a prepared frame came from in its source frame: a square of `side` pixels centred
/// at (`centreX`, `centreY`), turned by `angle` radians (clockwise in the image, whose y
/// points down; 0 for the fixed crop). A frame of the data set is that square resampled to
/// `size`.
public struct FaceCropBox: Codable, Equatable, Sendable {
    public var centreX: Double, centreY: Double, side: Double, angle: Double

    public init(centreX: Double, centreY: Double, side: Double, angle: Double = 0) {
        self.centreX = centreX
        self.centreY = centreY
        self.side = side
        self.angle = angle
    }

    enum CodingKeys: String, CodingKey {
        case side, angle
        case centreX = "centre_x"
        case centreY = "centre_y"
    }

    /// A point of the source frame in the pixels of a `size` × `size` crop.
    public func toCrop(_ p: SIMD2<Float>, size: Int) -> SIMD2<Float> {
        let (c, s) = (cos(angle), sin(angle))
        let dx = Double(p.x) - centreX, dy = Double(p.y) - centreY
        let k = Double(size) / side
        return SIMD2(Float((c * dx + s * dy) * k + Double(size) / 2), Float((-s * dx + c * dy) * k + Double(size) / 2))
    }

    /// A point of the crop (pixels of a `size` × `size` frame) in the source frame.
    public func toSource(_ u: Double, _ v: Double, size: Int) -> SIMD2<Double> {
        let k = side / Double(size)
        let x = (u - Double(size) / 2) * k, y = (v - Double(size) / 2) * k
        let (c, s) = (cos(angle), sin(angle))
        return SIMD2(centreX + c * x - s * y, centreY + s * x + c * y)
    }

    /// The crop resampled to `size` × `size`: each output pixel averages 3 × 3 bilinear
    /// samples, so a large face shrinks without aliasing.
    public func resample(_ image: RGBImage, size: Int) -> RGBImage {
        var out = RGBImage(width: size, height: size)
        let taps = [-1.0 / 3, 0, 1.0 / 3]
        for v in 0..<size {
            for u in 0..<size {
                var sum = Colour.zero
                for dy in taps {
                    for dx in taps {
                        let p = toSource(Double(u) + 0.5 + dx, Double(v) + 0.5 + dy, size: size)
                        sum += image.bilinear(p.x - 0.5, p.y - 0.5)
                    }
                }
                out[u, v] = sum / 9
            }
        }
        return out
    }
}

/// How `prepare` crops a clip.
public enum FaceCropping {
    /// One square for the whole clip, as a fixed camera would frame it: the landmarks'
    /// extent over every frame, widened by 0.8 of the face's size for the forehead, hair and
    /// chin, raised by a tenth of it, kept inside the frame.
    public static func fixed(_ track: [FaceLandmarks], frameWidth: Int, frameHeight: Int) -> FaceCropBox {
        let bounds = track.map(\.bounds)
        let left = bounds.map(\.left).min()!, right = bounds.map(\.right).max()!
        let top = bounds.map(\.top).min()!, bottom = bounds.map(\.bottom).max()!
        let faceSizes = bounds.map { max($0.width, $0.height) }.sorted()
        let face = Double(faceSizes[faceSizes.count / 2])
        var side = Double(max(right - left, bottom - top)) + 0.8 * face
        side = min(side, Double(min(frameWidth, frameHeight)))
        var cx = Double(left + right) / 2, cy = Double(top + bottom) / 2 - 0.1 * face
        cx = min(max(cx, side / 2), Double(frameWidth) - side / 2)
        cy = min(max(cy, side / 2), Double(frameHeight) - side / 2)
        return FaceCropBox(centreX: cx, centreY: cy, side: side)
    }

    /// One square per frame, turned and scaled so that the eyes sit level at the same place
    /// in every frame: 2.6 eye distances wide, centred 0.45 of one below the eyes' midpoint.
    public static func aligned(_ face: FaceLandmarks) -> FaceCropBox {
        let eyes = face.eyeCentres
        let d = eyes.left - eyes.right
        let distance = Double((d * d).sum().squareRoot())
        let angle = Double(atan2(d.y, d.x))  // the eye line's tilt, y down
        let mid = (eyes.left + eyes.right) / 2
        let down = SIMD2(-sin(angle), cos(angle)) * 0.45 * distance
        return FaceCropBox(centreX: Double(mid.x) + down.x, centreY: Double(mid.y) + down.y, side: 2.6 * distance, angle: angle)
    }
}
