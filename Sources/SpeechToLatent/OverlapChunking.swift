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

    /// Blends per-window outputs, each (window length, C) for the matching range, into (length, C).
    public func stitch(_ outputs: [Tensor], ranges: [Range<Int>], length: Int) -> Tensor {
        precondition(outputs.count == ranges.count && !outputs.isEmpty, "\(outputs.count) outputs for \(ranges.count) windows")
        if outputs.count == 1 { return outputs[0] }
        let c = outputs[0].size(1)
        var sum = [Float](repeating: 0, count: length * c)   // (length, C): Σ w·y
        var weight = [Float](repeating: 0, count: length)     // (length): Σ w
        for (k, (y, range)) in zip(outputs, ranges).enumerated() {
            precondition(y.shape == [range.count, c], "window \(k) output \(y.shape), expected [\(range.count), \(c)]")
            let p = y.pointer
            for (r, frame) in range.enumerated() {
                let w = self.weight(at: r, count: range.count, hasLeft: k > 0, hasRight: k < ranges.count - 1)
                guard w > 0 else { continue }
                weight[frame] += w
                for j in 0..<c { sum[frame * c + j] += w * p[r * c + j] }
            }
        }
        for frame in 0..<length where weight[frame] != 1 {
            for j in 0..<c { sum[frame * c + j] /= weight[frame] }
        }
        return Tensor(shape: [length, c], values: sum)
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
