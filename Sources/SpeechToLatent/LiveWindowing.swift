/// Windows for speech whose length is not known yet (it is still arriving): window k
/// emits the video frames k·hop ..< (k+1)·hop, reading `context` frames before them and
/// `lookahead` frames after. The model is non-causal, so the look-ahead is the latency
/// floor: frame t comes out once the audio up to frame t + lookahead + (at most) hop − 1
/// is in. The first windows have less context (none before frame 0); the last window,
/// run when the speech ends, emits the rest with whatever look-ahead the speech has.
public struct LiveWindowing: Sendable, Equatable {
    public let context: Int
    public let hop: Int
    public let lookahead: Int

    public init(context: Int, hop: Int, lookahead: Int) {
        precondition(context >= 0 && hop >= 1 && lookahead >= 0, "context \(context), hop \(hop), look-ahead \(lookahead)")
        (self.context, self.hop, self.lookahead) = (context, hop, lookahead)
    }

    /// Frames the model reads per window.
    public var window: Int { context + hop + lookahead }

    /// The frames read for emitting `emitted`: context before them (from 0) to `end`.
    func inputRange(emitting emitted: Range<Int>, end: Int) -> Range<Int> {
        max(0, emitted.lowerBound - context)..<end
    }
}
