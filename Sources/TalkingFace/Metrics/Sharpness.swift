import Foundation
import Datasets

/// CPBD, the cumulative probability of blur detection (Narvekar & Karam, IEEE TIP 2011):
/// the share of edge pixels whose width a viewer would not see as blurred. 1 is sharp,
/// lower is blurrier. Structure as in the reference: Canny edge pixels, Marziliano edge
/// widths along the image rows, 64×64 blocks with a just-noticeable-blur width of 5
/// (contrast ≤ 50 of 255) or 3, blur probability 1 − exp(−(w / w_JNB)^3.6), and the share
/// of edges with probability ≤ 0.63.
public enum Sharpness {
    public static func cpbd(_ image: RGBImage) -> Double {
        let w = image.width, h = image.height
        let gray = image.luminance().map { Double($0) * 255 }  // (H, W)
        let edges = cannyEdges(gray, w, h)
        let widths = marzilianoWidths(gray, w, h)

        let block = 64
        var sharpCount = 0, edgeCount = 0
        for by in stride(from: 0, to: h, by: block) {
            for bx in stride(from: 0, to: w, by: block) {
                let ys = by..<min(h, by + block), xs = bx..<min(w, bx + block)
                var lo = Double.infinity, hi = -Double.infinity, blockEdges = 0
                for y in ys { for x in xs { lo = min(lo, gray[y * w + x]); hi = max(hi, gray[y * w + x]); if edges[y * w + x] { blockEdges += 1 } } }
                guard Double(blockEdges) > 0.002 * Double(ys.count * xs.count) else { continue }
                let jnb: Double = hi - lo > 50 ? 3 : 5
                for y in ys {
                    for x in xs where edges[y * w + x] && widths[y * w + x] > 0 {
                        let p = 1 - exp(-pow(widths[y * w + x] / jnb, 3.6))
                        edgeCount += 1
                        if p <= 0.63 { sharpCount += 1 }
                    }
                }
            }
        }
        return edgeCount > 0 ? Double(sharpCount) / Double(edgeCount) : .nan
    }

    /// Sobel gradients (x to the right, y down), zero at the border.
    static func sobel(_ g: [Double], _ w: Int, _ h: Int) -> (gx: [Double], gy: [Double]) {
        var gx = [Double](repeating: 0, count: w * h), gy = gx
        for y in 1..<max(1, h - 1) {
            for x in 1..<max(1, w - 1) {
                func p(_ dx: Int, _ dy: Int) -> Double { g[(y + dy) * w + x + dx] }
                gx[y * w + x] = (p(1, -1) + 2 * p(1, 0) + p(1, 1)) - (p(-1, -1) + 2 * p(-1, 0) + p(-1, 1))
                gy[y * w + x] = (p(-1, 1) + 2 * p(0, 1) + p(1, 1)) - (p(-1, -1) + 2 * p(0, -1) + p(1, -1))
            }
        }
        return (gx, gy)
    }

    /// Canny: Gaussian smoothing (σ 1), Sobel, non-maximum suppression, hysteresis with
    /// thresholds 0.1 and 0.2 of the largest gradient (scikit-image's defaults, relative).
    static func cannyEdges(_ gray: [Double], _ w: Int, _ h: Int) -> [Bool] {
        let k = [-2, -1, 0, 1, 2].map { exp(-Double($0 * $0) / 2) }
        let ks = k.reduce(0, +)
        func blur1D(_ x: [Double], horizontal: Bool) -> [Double] {
            var out = x
            for y in 0..<h {
                for xx in 0..<w {
                    var s = 0.0
                    for t in -2...2 {
                        // reflect at the border
                        var i = horizontal ? xx + t : y + t
                        let n = horizontal ? w : h
                        if i < 0 { i = -i - 1 }
                        if i >= n { i = 2 * n - i - 1 }
                        i = min(max(i, 0), n - 1)
                        s += k[t + 2] * (horizontal ? x[y * w + i] : x[i * w + xx])
                    }
                    out[y * w + xx] = s / ks
                }
            }
            return out
        }
        let smooth = blur1D(blur1D(gray, horizontal: true), horizontal: false)
        let (gx, gy) = sobel(smooth, w, h)
        let magnitude = zip(gx, gy).map { ($0 * $0 + $1 * $1).squareRoot() }
        let peak = magnitude.max() ?? 0
        guard peak > 0 else { return [Bool](repeating: false, count: w * h) }
        var strong = [Bool](repeating: false, count: w * h), weak = strong
        for y in 1..<max(1, h - 1) {
            for x in 1..<max(1, w - 1) {
                let i = y * w + x, m = magnitude[i]
                guard m > 0.1 * peak else { continue }
                // neighbours along the gradient direction, quantised to 4 directions
                let angle = atan2(gy[i], gx[i]) * 180 / .pi
                let a = angle < 0 ? angle + 180 : angle
                let (dx, dy): (Int, Int) = a < 22.5 || a >= 157.5 ? (1, 0) : a < 67.5 ? (1, 1) : a < 112.5 ? (0, 1) : (-1, 1)
                guard m >= magnitude[i + dy * w + dx] && m >= magnitude[i - dy * w - dx] else { continue }
                if m > 0.2 * peak { strong[i] = true } else { weak[i] = true }
            }
        }
        // hysteresis: weak pixels join when connected to a strong one
        var stack = strong.indices.filter { strong[$0] }
        while let i = stack.popLast() {
            let x = i % w, y = i / w
            for dy in -1...1 {
                for dx in -1...1 {
                    let xx = x + dx, yy = y + dy
                    guard xx >= 0, yy >= 0, xx < w, yy < h else { continue }
                    let j = yy * w + xx
                    if weak[j] && !strong[j] { strong[j] = true; stack.append(j) }
                }
            }
        }
        return strong
    }

    /// Edge width at each pixel with a mostly horizontal gradient: the distance between the
    /// intensity extrema on either side along the row (Marziliano et al. 2002); 0 elsewhere.
    static func marzilianoWidths(_ gray: [Double], _ w: Int, _ h: Int) -> [Double] {
        let (gx, gy) = sobel(gray, w, h)
        var widths = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 1..<max(1, w - 1) {
                let i = y * w + x
                guard gx[i] != 0, abs(gy[i]) <= abs(gx[i]) else { continue }
                let rising = gx[i] > 0
                var right = x, left = x
                while right + 1 < w && (rising ? gray[y * w + right + 1] > gray[y * w + right] : gray[y * w + right + 1] < gray[y * w + right]) { right += 1 }
                while left - 1 >= 0 && (rising ? gray[y * w + left - 1] < gray[y * w + left] : gray[y * w + left - 1] > gray[y * w + left]) { left -= 1 }
                widths[i] = Double(right - left)
            }
        }
        return widths
    }
}
