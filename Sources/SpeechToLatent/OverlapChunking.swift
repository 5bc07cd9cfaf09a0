import NeuralNetworks

/// Runs a sequence model on inputs longer than its training window: overlapping windows,
/// evenly spaced, whose outputs are blended in the overlaps.
///
/// Inside each overlap the first and last `margin` frames of a window get weight 0 (the
/// window's edge lacks context there), and the weights ramp linearly across the rest:
/// a frame that only one window covers takes that window's output unchanged, and a model
/// whose output depends on at most `margin` neighbouring frames gives the unchunked
/// result (up to rounding) everywhere.
public struct OverlapChunking: Sendable, Equatable {
    public let window: Int
    public let overlap: Int
    public let margin: Int

    /// Needs overlap ≥ 2·margin + 1 (room for a ramp) and overlap < window.
    public init(window: Int, overlap: Int, margin: Int) {
        precondition(margin >= 0 && overlap >= 2 * margin + 1 && overlap < window,
                     "chunking needs 2·margin < overlap < window, got window \(window), overlap \(overlap), margin \(margin)")
        (self.window, self.overlap, self.margin) = (window, overlap, margin)
    }

    /// Windows covering 0..<length: one if it fits, else the fewest of `window` frames
    /// that overlap by at least `overlap`, spread evenly with the last ending at `length`.
    public func ranges(length: Int) -> [Range<Int>] {
        guard length > window else { return [0..<length] }
        let hop = window - overlap
        let count = (length - overlap + hop - 1) / hop  // ⌈(length − overlap) / hop⌉ ≥ 2
        return (0..<count).map { i in
            let start = i * (length - window) / (count - 1)
            return start..<(start + window)
        }
    }

    /// Blends per-window outputs, each (window length, C) for `ranges(length:)`, into (length, C).
    public func stitch(_ outputs: [Tensor], ranges: [Range<Int>], length: Int) -> Tensor {
        precondition(outputs.count == ranges.count && !outputs.isEmpty, "\(outputs.count) outputs for \(ranges.count) windows")
        precondition(ranges == self.ranges(length: length), "stitch blends the windows of ranges(length: \(length))")
        let stitcher = OverlapStitcher(self, length: length, channels: outputs[0].size(1))
        let parts = outputs.map { stitcher.add($0) }.filter { $0.size(0) > 0 }
        return parts.count == 1 ? parts[0] : concat(parts, dim: 0)
    }

    /// Weight of position r of a window of `count` frames: 0 in an overlapped margin, a
    /// ramp over the next overlap − 2·margin frames, 1 elsewhere.
    func weight(at r: Int, count: Int, hasLeft: Bool, hasRight: Bool) -> Float {
        let ramp = Float(overlap - 2 * margin + 1)
        var w: Float = 1
        if hasLeft { w = min(w, max(0, Float(r - margin + 1) / ramp)) }
        if hasRight { w = min(w, max(0, Float(count - r - margin) / ramp)) }
        return w
    }
}
