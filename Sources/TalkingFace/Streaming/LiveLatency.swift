import Foundation

/// When each piece of speech arrived and each frame went out, for the latency figures of
/// `generateLive`: frame k shows the speech of samples k·n ..< (k+1)·n (n = samples per
/// frame), so its latency is the time from the arrival of sample (k+1)·n − 1 to the frame's
/// write. Only arrivals not yet matched to a frame are kept.
struct LiveLatency {
    let samplesPerFrame: Int
    private var arrivals: [(samples: Int, time: UInt64)] = []  // running sample count after each block
    private var heard = 0
    private(set) var firstSound: UInt64?
    private(set) var firstFrame: UInt64?
    private(set) var lastFrame: UInt64?
    private(set) var frames = 0
    private(set) var latencies: [Double] = []  // one Double a frame: 8 bytes, 200 a second

    init(samplesPerFrame: Int) { self.samplesPerFrame = samplesPerFrame }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    mutating func heard(_ count: Int) {
        guard count > 0 else { return }
        let time = Self.now()
        if firstSound == nil { firstSound = time }
        heard += count
        arrivals.append((heard, time))
    }

    mutating func wrote(_ count: Int) {
        let time = Self.now()
        if firstFrame == nil { firstFrame = time }
        lastFrame = time
        for k in frames..<(frames + count) {
            let last = min(heard, (k + 1) * samplesPerFrame)  // the speech's end pads the last frame
            while arrivals.count > 1 && arrivals[0].samples < last { arrivals.removeFirst() }
            latencies.append(arrivals.first.map { Double(time - $0.time) / 1e9 } ?? 0)
        }
        frames += count
    }

    var report: LiveGenerationReport {
        func seconds(_ a: UInt64?, _ b: UInt64?) -> Double? { a.flatMap { a in b.map { Double($0 - a) / 1e9 } } }
        let sorted = latencies.sorted()
        func quantile(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
        let span = seconds(firstFrame, lastFrame) ?? 0
        return LiveGenerationReport(
            frameCount: frames, speechSamples: heard, firstFrameDelay: seconds(firstSound, firstFrame) ?? 0,
            medianLatency: quantile(0.5), p95Latency: quantile(0.95), maxLatency: sorted.last ?? 0,
            outputFPS: frames > 1 && span > 0 ? Double(frames - 1) / span : 0)
    }
}

/// What `generateLive` did, timed as it ran.
public struct LiveGenerationReport: Sendable {
    public let frameCount: Int
    public let speechSamples: Int
    /// Seconds from the first speech arriving to the first frame written.
    public let firstFrameDelay: Double
    /// Seconds from a frame's speech arriving to the frame written: median, 95th percentile, max.
    public let medianLatency: Double
    public let p95Latency: Double
    public let maxLatency: Double
    /// Frames written per second between the first and the last.
    public let outputFPS: Double

    /// One line for the log.
    public var summary: String {
        String(format: "%d frames (%.1f s of speech); first frame %.2f s after the speech began; "
               + "sound-to-frame latency median %.2f s, 95%% %.2f s, max %.2f s; %.1f frames/s out",
               frameCount, Double(speechSamples) / 16000, firstFrameDelay, medianLatency, p95Latency, maxLatency, outputFPS)
    }
}
