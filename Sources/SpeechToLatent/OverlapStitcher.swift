import NeuralNetworks

/// `OverlapChunking.stitch` for windows that arrive one at a time: each window's output is
/// blended in as soon as it is computed, and `add` returns the frames no later window
/// covers, so only about one window of frames is ever held. The arithmetic (and order) is
/// that of `stitch`, so the frames are bit for bit the same.
public final class OverlapStitcher {
    public let chunking: OverlapChunking
    public let ranges: [Range<Int>]
    public let length: Int
    public let channels: Int
    /// Frames before this one have been returned.
    public private(set) var emitted = 0
    private var nextWindow = 0
    private var sum: [Float] = []     // (frames emitted ..< emitted + weight.count, C): Σ w·y
    private var weight: [Float] = []  // Σ w per held frame

    public init(_ chunking: OverlapChunking, length: Int, channels: Int) {
        self.chunking = chunking
        ranges = chunking.ranges(length: length)
        (self.length, self.channels) = (length, channels)
    }

    /// Whether every window has been added.
    public var isComplete: Bool { nextWindow == ranges.count }

    /// The range the next output must cover.
    public var nextRange: Range<Int>? { isComplete ? nil : ranges[nextWindow] }

    /// Blends in the output (window length, C) of the next window and returns the frames
    /// completed by it, (n, C) with n ≥ 0, starting at frame `emitted` (before the call).
    public func add(_ output: Tensor) -> Tensor {
        precondition(!isComplete, "all \(ranges.count) windows were already added")
        let (k, range, c) = (nextWindow, ranges[nextWindow], channels)
        precondition(output.shape == [range.count, c], "window \(k) output \(output.shape), expected [\(range.count), \(c)]")
        nextWindow += 1
        if ranges.count == 1 {  // one window: its output as it is, as `stitch` returns it
            emitted = length
            return output
        }
        let held = range.upperBound - emitted
        if held > weight.count {
            sum += [Float](repeating: 0, count: (held - weight.count) * c)
            weight += [Float](repeating: 0, count: held - weight.count)
        }
        let p = output.pointer
        for (r, frame) in range.enumerated() {
            let w = chunking.weight(at: r, count: range.count, hasLeft: k > 0, hasRight: k < ranges.count - 1)
            guard w > 0 else { continue }
            let i = frame - emitted
            weight[i] += w
            for j in 0..<c { sum[i * c + j] += w * p[r * c + j] }
        }
        let done = (isComplete ? length : ranges[nextWindow].lowerBound) - emitted
        guard done > 0 else { return Tensor(uninitializedShape: [0, c]) }
        for i in 0..<done where weight[i] != 1 {
            for j in 0..<c { sum[i * c + j] /= weight[i] }
        }
        let out = Tensor(shape: [done, c], values: Array(sum[0..<(done * c)]))
        sum.removeFirst(done * c)
        weight.removeFirst(done)
        emitted += done
        return out
    }
}
