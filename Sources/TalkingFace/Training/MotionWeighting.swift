import Autodiff
import Foundation
import MediaIO
import Datasets

/// A per-pixel weight for the diffusion loss that makes the parts of a talking head that move
/// (mouth, eyes, the head's outline) count more than the still background:
///
///     w(p) = 1 + strength · min(1, m(p) / m₉₅),   m(p) = mean over consecutive frames of |xᵢ₊₁(p) − xᵢ(p)|
///
/// (m averaged over the colour channels, consecutive within each data set; m₉₅ its 95th
/// percentile over the pixels, or its maximum when that is 0). At 64×64 the mouth is a few
/// dozen of 4,096 pixels, so under DiffAE's equal weights it is about 1 % of the loss, and a
/// UNet that already follows z_sem for the head pose does not learn to draw the mouth from
/// it. The clip at m₉₅ gives every clearly moving pixel the full weight: blinking eyes move
/// about four times as much as the mouth, and a weight proportional to m would spend the
/// emphasis on them. The loss stays a weighted mean (`DiffAE.loss(pixelWeights:)`), so its
/// scale does not change with `strength`. Label-free: it needs only the frames' order.
public struct MotionWeighting {
    /// The mean frame-to-frame change per pixel, (S, S), in the frames' [−1, 1] units.
    public let motion: Tensor
    public let strength: Float

    /// Scans every consecutive pair of training frames (within each span), `chunk` frames at a time.
    public init(frames: TrainingFrames, strength: Float, chunk: Int = 256) throws {
        precondition(strength >= 0, "motion weight \(strength)")
        let side = frames.imageSize
        let plane = side * side
        var sum = [Double](repeating: 0, count: plane)
        var pairs = 0
        var start = 0
        for span in frames.spans {
            let count = span.frames.count
            // chunks overlap by one frame so that every consecutive pair is seen once
            var first = 0
            while first + 1 < count {
                let last = Swift.min(first + chunk, count - 1)  // frames first...last
                let batch = try frames.batch(Array((start + first)...(start + last)))  // (n, 3, S, S)
                let p = batch.pointer
                for i in 0..<(last - first) {
                    let a = p + i * 3 * plane, b = p + (i + 1) * 3 * plane
                    for c in 0..<3 {
                        for k in 0..<plane { sum[k] += Double(abs(b[c * plane + k] - a[c * plane + k])) }
                    }
                }
                pairs += last - first
                first = last
            }
            start += count
        }
        let scale = 1 / Double(Swift.max(pairs, 1) * 3)
        self.init(motion: Tensor(shape: [side, side], values: sum.map { Float($0 * scale) }), strength: strength)
    }

    public init(motion: Tensor, strength: Float) {
        precondition(motion.rank == 2 && motion.shape[0] == motion.shape[1], "motion map \(motion.shape)")
        self.motion = motion
        self.strength = strength
    }

    /// The share of pixels that get the full weight.
    public static let saturatedShare = 0.05

    /// m₉₅: the motion from which a pixel gets the full weight (0 when nothing moves).
    public var saturationLevel: Float {
        let sorted = motion.values.sorted()
        let level = sorted[Int((Double(sorted.count - 1) * (1 - Self.saturatedShare)).rounded())]
        return level > 0 ? level : sorted.last!
    }

    /// min(1, m(p) / m₉₅) per pixel: 1 for every clearly moving pixel, 0 where nothing moves.
    public var emphasis: [Float] {
        let level = saturationLevel
        return motion.values.map { level > 0 ? Swift.min(1, $0 / level) : 0 }
    }

    /// w(p) = 1 + strength · emphasis as (1, 1, S, S), the shape `DiffAE.loss(pixelWeights:)`
    /// takes. All ones when nothing moves.
    public var pixelWeights: Tensor {
        let side = motion.shape[0]
        return Tensor(shape: [1, 1, side, side], values: emphasis.map { 1 + strength * $0 })
    }

    /// The emphasis as a grey PNG (white: full weight, black: weight 1), to see what the weight favours.
    public func writeImage(to url: URL) throws {
        let side = motion.shape[0]
        try PNG.write(RGBImage(width: side, height: side, data: emphasis.flatMap { [$0, $0, $0] }).image8(), to: url)
    }
}
