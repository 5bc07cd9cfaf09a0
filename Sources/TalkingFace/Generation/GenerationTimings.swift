import Foundation

/// The stages of `Speaker.generate`, in order.
public enum GenerationStage: String, CaseIterable, Sendable {
    /// Speech file → feature frames.
    case features
    /// Features → z_sem and pose per video frame.
    case speechToLatent = "s2l"
    /// z_sem and x_T → frames (DDIM), batch by batch.
    case decode
    /// Frames → PNG files.
    case write
    /// PNG frames + speech → MP4 (ffmpeg).
    case video
}

/// Reports progress: the stage, units done, units in the stage (frames for decode and write).
public typealias GenerationProgress = (_ stage: GenerationStage, _ done: Int, _ total: Int) -> Void

/// Seconds spent per stage.
public struct GenerationTimings: Sendable, Equatable {
    public var seconds: [GenerationStage: Double] = [:]

    public init() {}

    public var total: Double { seconds.values.reduce(0, +) }

    /// Runs `body`, adding its wall time to `stage`.
    mutating func measure<T>(_ stage: GenerationStage, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[stage, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    /// One line per stage that ran, with its share of the total, and the real-time factor
    /// against `speechSeconds` of audio.
    public func table(speechSeconds: Double) -> String {
        func name(_ s: String) -> String { s.padding(toLength: 8, withPad: " ", startingAt: 0) }
        var lines = ["stage     seconds   share"]
        for stage in GenerationStage.allCases {
            guard let s = seconds[stage] else { continue }
            lines.append(name(stage.rawValue) + String(format: " %8.2f %6.1f %%", s, total > 0 ? 100 * s / total : 0))
        }
        lines.append(name("total") + String(format: " %8.2f   (%.2f× real time for %.2f s of speech)", total,
                                            speechSeconds > 0 ? total / speechSeconds : 0, speechSeconds))
        return lines.joined(separator: "\n")
    }
}
