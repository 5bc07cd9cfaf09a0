import Foundation
import Datasets

/// Full-reference image quality: PSNR and SSIM, as scikit-image computes them
/// (`peak_signal_noise_ratio`, and `structural_similarity` with `gaussian_weights=True,
/// sigma=1.5, use_sample_covariance=False, channel_axis=-1`), on images in [0, 1].
public enum ImageQuality {
    /// Peak signal-to-noise ratio in dB for data range 1 (infinite for identical images).
    public static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "PSNR of images of different sizes")
        var sum = 0.0
        for i in a.data.indices { let d = Double(a.data[i] - b.data[i]); sum += d * d }
        let mse = sum / Double(a.data.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    /// The 11-tap Gaussian (σ = 1.5, truncated at 3.5σ as scipy does), normalised to sum 1.
    static let window: [Double] = {
        let sigma = 1.5, radius = Int(3.5 * sigma + 0.5)
        let w = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }()

    /// The smallest side SSIM takes: the window's.
    public static var smallestSSIMSide: Int { window.count }

    /// Mean SSIM over the colour channels, each averaged over every position where the 11×11
    /// window lies inside the image (scikit-image crops the same border).
    public static func ssim(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "SSIM of images of different sizes")
        let w = a.width, h = a.height, r = window.count / 2
        precondition(w > 2 * r && h > 2 * r, "SSIM needs images larger than 11×11")
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let ow = w - 2 * r, oh = h - 2 * r
        var total = 0.0
        for c in 0..<3 {
            let x = (0..<(w * h)).map { Double(a.data[3 * $0 + c]) }  // (H, W)
            let y = (0..<(w * h)).map { Double(b.data[3 * $0 + c]) }
            let mx = filter(x, w, h), my = filter(y, w, h)
            let mxx = filter(zip(x, x).map(*), w, h), myy = filter(zip(y, y).map(*), w, h), mxy = filter(zip(x, y).map(*), w, h)
            var sum = 0.0
            for i in 0..<(ow * oh) {
                let vx = mxx[i] - mx[i] * mx[i], vy = myy[i] - my[i] * my[i], cxy = mxy[i] - mx[i] * my[i]
                sum += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
            }
            total += sum / Double(ow * oh)
        }
        return total / 3
    }

    /// Separable Gaussian filter, valid part only: (H, W) → (H − 10, W − 10).
    static func filter(_ x: [Double], _ w: Int, _ h: Int) -> [Double] {
        let k = window, n = k.count, ow = w - n + 1, oh = h - n + 1
        var rows = [Double](repeating: 0, count: h * ow)  // (H, W − 10)
        for yy in 0..<h {
            for xx in 0..<ow {
                var s = 0.0
                for t in 0..<n { s += k[t] * x[yy * w + xx + t] }
                rows[yy * ow + xx] = s
            }
        }
        var out = [Double](repeating: 0, count: oh * ow)
        for yy in 0..<oh {
            for xx in 0..<ow {
                var s = 0.0
                for t in 0..<n { s += k[t] * rows[(yy + t) * ow + xx] }
                out[yy * ow + xx] = s
            }
        }
        return out
    }
}
