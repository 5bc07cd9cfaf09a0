/// Which source frame and which generated frame meet in each frame of a pasted video.
///
/// The output runs at the source's frame rate for as long as the generated frames last
/// (G frames at `generatedFPS` → round(G · sourceFPS / generatedFPS) frames). The source
/// frames run back and forth (0, 1, …, n−1, n−2, …, 1, 0, 1, …) so that a clip shorter
/// than the speech never jumps; a longer clip is used from its start. Each output frame
/// shows the generated frame nearest its time.
public struct PasteBackTimeline: Equatable, Sendable {
    public let generatedFrames: Int, generatedFPS: Double
    public let sourceFrames: Int, sourceFPS: Double

    public init(generatedFrames: Int, generatedFPS: Double, sourceFrames: Int, sourceFPS: Double) {
        precondition(generatedFrames > 0 && sourceFrames > 0, "a timeline needs frames on both sides")
        precondition(generatedFPS > 0 && sourceFPS > 0, "frame rates must be positive")
        self.generatedFrames = generatedFrames
        self.generatedFPS = generatedFPS
        self.sourceFrames = sourceFrames
        self.sourceFPS = sourceFPS
    }

    /// Frames in the pasted video (at least one).
    public var outputFrames: Int {
        max(1, Int((Double(generatedFrames) * sourceFPS / generatedFPS).rounded()))
    }

    /// The source frame under output frame `j`.
    public func sourceIndex(_ j: Int) -> Int { Self.pingPong(j, count: sourceFrames) }

    /// The generated frame pasted into output frame `j`: the one nearest its time (the
    /// identity when the rates are equal).
    public func generatedIndex(_ j: Int) -> Int {
        min(generatedFrames - 1, Int((Double(j) * generatedFPS / sourceFPS).rounded()))
    }

    /// Frame `i` of 0, 1, …, n−1, n−2, …, 1, 0, 1, … (always 0 when n is 1).
    public static func pingPong(_ i: Int, count n: Int) -> Int {
        precondition(i >= 0 && n > 0, "pingPong(\(i), count: \(n))")
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        let k = i % period
        return k < n ? k : period - k
    }
}
