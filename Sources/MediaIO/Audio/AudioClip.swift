/// Mono audio in memory: samples in [-1, 1] at `sampleRate` Hz.
public struct AudioClip: Sendable {
    public var samples: [Float]
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        precondition(sampleRate > 0, "sample rate must be positive, got \(sampleRate)")
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// The largest absolute sample value.
    public var peak: Float { samples.reduce(0) { max($0, abs($1)) } }

    /// True when nothing rises above -80 dBFS (peak below 1e-4): readable, but most
    /// likely a muted recording rather than speech.
    public var isSilent: Bool { peak < 1e-4 }
}
