import Autodiff
import Foundation
import MediaIO

public typealias Colour = SIMD3<Float>  // linear-ish RGB in [0, 1]

/// A Float32 RGB image in [0, 1], rows top to bottom: the form frames are computed on.
///
/// Models take `Tensor`s of shape (N, 3, H, W) in [-1, 1] (the diffusion convention);
/// `Tensor(images:)` and `rgbImages()` convert. Bytes (`Image8`) appear only at file I/O.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var data: [Float]  // (H, W, 3)

    public init(width: Int, height: Int, fill: Colour = .zero) {
        self.width = width
        self.height = height
        data = [Float](repeating: 0, count: width * height * 3)
        if fill != .zero {
            for i in 0..<(width * height) { data[3 * i] = fill.x; data[3 * i + 1] = fill.y; data[3 * i + 2] = fill.z }
        }
    }

    public init(width: Int, height: Int, data: [Float]) {
        precondition(data.count == width * height * 3, "\(data.count) floats do not fill \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.data = data
    }

    /// From 8-bit pixels (gray is replicated, alpha dropped).
    public init(_ image: Image8) {
        let rgb = image.rgb()
        self.init(width: rgb.width, height: rgb.height, data: rgb.pixels.map { Float($0) / 255 })
    }

    public subscript(x: Int, y: Int) -> Colour {
        get { let i = 3 * (y * width + x); return Colour(data[i], data[i + 1], data[i + 2]) }
        set { let i = 3 * (y * width + x); data[i] = newValue.x; data[i + 1] = newValue.y; data[i + 2] = newValue.z }
    }

    /// Rounded to 8 bits, clamped.
    public func image8() -> Image8 {
        Image8(width: width, height: height, channels: 3,
               pixels: data.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) })
    }

    /// Rec. 709 luma per pixel, (H, W).
    public func luminance() -> [Float] {
        (0..<(width * height)).map { 0.2126 * data[3 * $0] + 0.7152 * data[3 * $0 + 1] + 0.0722 * data[3 * $0 + 2] }
    }

    /// The pixels inside `rect` (x, y, width, height), clipped to the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = max(x0, min(width, x + w)), y1 = max(y0, min(height, y + h))  // a rect outside: empty
        var out = RGBImage(width: max(0, x1 - x0), height: max(0, y1 - y0))
        for yy in y0..<y1 { for xx in x0..<x1 { out[xx - x0, yy - y0] = self[xx, yy] } }
        return out
    }

    /// The largest centred square.
    public func centreSquare() -> RGBImage {
        let side = min(width, height)
        return cropped(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }

    /// Resampled to `w`×`h` by area averaging (exact box filter): shrinking never aliases,
    /// and growing falls back to bilinear.
    public func resized(width w: Int, height h: Int) -> RGBImage {
        if w == width && h == height { return self }
        var out = RGBImage(width: w, height: h)
        let sx = Float(width) / Float(w), sy = Float(height) / Float(h)
        for oy in 0..<h {
            for ox in 0..<w {
                if sx <= 1 && sy <= 1 {
                    // bilinear for enlargement
                    let fx = max(0, (Float(ox) + 0.5) * sx - 0.5), fy = max(0, (Float(oy) + 0.5) * sy - 0.5)
                    let x0 = min(Int(fx), width - 1), y0 = min(Int(fy), height - 1)
                    let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                    let ax = fx - Float(x0), ay = fy - Float(y0)
                    let top = self[x0, y0] * (1 - ax) + self[x1, y0] * ax
                    let bottom = self[x0, y1] * (1 - ax) + self[x1, y1] * ax
                    out[ox, oy] = top * (1 - ay) + bottom * ay
                    continue
                }
                let fx0 = Float(ox) * sx, fx1 = fx0 + sx, fy0 = Float(oy) * sy, fy1 = fy0 + sy
                var sum = Colour.zero, weight: Float = 0
                for yy in Int(fy0)..<min(height, Int(ceil(fy1))) {
                    let wy = min(fy1, Float(yy + 1)) - max(fy0, Float(yy))
                    for xx in Int(fx0)..<min(width, Int(ceil(fx1))) {
                        let wx = min(fx1, Float(xx + 1)) - max(fx0, Float(xx))
                        sum += self[xx, yy] * (wx * wy)
                        weight += wx * wy
                    }
                }
                out[ox, oy] = sum / max(weight, 1e-12)
            }
        }
        return out
    }
}

extension Tensor {
    /// A batch of equal-sized images as (N, 3, H, W) in [-1, 1].
    public convenience init(images: [RGBImage]) {
        precondition(!images.isEmpty, "no images")
        let h = images[0].height, w = images[0].width
        self.init(uninitializedShape: [images.count, 3, h, w])
        let p = pointer
        for (n, image) in images.enumerated() {
            precondition(image.width == w && image.height == h, "image \(n) is \(image.width)x\(image.height), not \(w)x\(h)")
            for c in 0..<3 {
                let plane = p + (n * 3 + c) * h * w
                for i in 0..<(h * w) { plane[i] = image.data[3 * i + c] * 2 - 1 }
            }
        }
    }

    /// (N, 3, H, W) in [-1, 1] back to images in [0, 1] (clamped).
    public func rgbImages() -> [RGBImage] {
        precondition(rank == 4 && shape[1] == 3, "expected (N, 3, H, W), got \(shape)")
        let n = shape[0], h = shape[2], w = shape[3]
        return (0..<n).map { b in
            var image = RGBImage(width: w, height: h)
            for c in 0..<3 {
                let plane = pointer + (b * 3 + c) * h * w
                for i in 0..<(h * w) { image.data[3 * i + c] = Swift.max(0, Swift.min(1, (plane[i] + 1) / 2)) }
            }
            return image
        }
    }
}

extension RGBImage {
    /// Frame `i` of a folder of numbered PNGs (`00000.png`, …), as stored.
    public init(frame i: Int, in folder: URL) throws {
        self.init(try PNG.read(folder.appendingPathComponent(Video.frameName(i))))
    }
}

extension RGBImage {
    /// The colour at (x, y) in pixel-centre coordinates, edges held.
    public func bilinear(_ x: Double, _ y: Double) -> Colour {
        let fx = min(max(x, 0), Double(width - 1)), fy = min(max(y, 0), Double(height - 1))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = Float(fx - Double(x0)), ay = Float(fy - Double(y0))
        let top = self[x0, y0] * (1 - ax) + self[x1, y0] * ax
        let bottom = self[x0, y1] * (1 - ax) + self[x1, y1] * ax
        return top * (1 - ay) + bottom * ay
    }
}
