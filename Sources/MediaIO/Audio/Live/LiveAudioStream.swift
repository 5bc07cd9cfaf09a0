import Foundation

/// Speech that arrives as bytes over time (standard input, a file still being written):
/// a WAV stream (its header parsed from the first bytes) or raw PCM of a given format,
/// mixed to mono and resampled incrementally to `sampleRate` (libsoxr, as `AudioStream`).
/// Each block is handed out as soon as its bytes are in, less the resampler's filter delay.
public final class LiveAudioStream: AudioBlockSource {
    public let sampleRate: Int
    private let source: ByteSource
    private var format: PCMFormat?
    private var resampler: Resampler?
    private var header: [UInt8] = []   // bytes read before the WAV header was whole
    private var pending: [UInt8] = []  // bytes of a frame split across reads
    private var remaining: Int?        // sample bytes still to come, when the header says
    private var finished = false
    /// Bytes asked of the source per read: 20 ms of 16-bit stereo at 48 kHz, so a live
    /// source is never waited on for long.
    private let readSize = 4096

    /// `raw`: the format of headerless PCM; nil reads a WAV header first.
    public init(source: ByteSource, raw: PCMFormat? = nil, sampleRate: Int = 16000) throws {
        guard sampleRate > 0 else { throw MediaIOError(.invalidArgument, file: source.url, "sample rate \(sampleRate) Hz") }
        self.source = source
        self.sampleRate = sampleRate
        if let raw { try start(raw) }
    }

    /// The format of the samples, once known (after the WAV header).
    public var sourceFormat: PCMFormat? { format }

    public func nextBlock() throws -> [Float]? {
        while !finished {
            guard remaining != 0, let bytes = try source.read(maximum: readSize) else {
                finished = true
                if format == nil {
                    throw MediaIOError(header.isEmpty ? .emptyAudio : .corrupt, file: source.url,
                                       header.isEmpty ? "no audio arrived" : "the stream ended inside its WAV header (\(header.count) bytes)")
                }
                if let tail = resampler?.finish(), !tail.isEmpty { return tail }
                break
            }
            var samples: [UInt8]
            if format == nil {
                header += bytes
                guard let parsed = try WAVStreamHeader.parse(header, source: source.url) else { continue }
                try start(parsed.format)
                remaining = parsed.dataBytes
                samples = Array(header[parsed.dataOffset...])
                header = []
            } else {
                samples = bytes
            }
            if let left = remaining {
                samples = Array(samples.prefix(left))
                remaining = left - samples.count
            }
            let block = decode(samples)
            if !block.isEmpty { return block }
        }
        return nil
    }

    private func start(_ format: PCMFormat) throws {
        guard format.channels >= 1, format.sampleRate >= 1 else {
            throw MediaIOError(.invalidArgument, file: source.url, "PCM of \(format.channels) channels at \(format.sampleRate) Hz")
        }
        self.format = format
        if format.sampleRate != sampleRate { resampler = try Resampler(from: format.sampleRate, to: sampleRate, file: source.url) }
    }

    /// The whole frames of `pending + bytes`, mono and resampled; a split frame waits.
    private func decode(_ bytes: [UInt8]) -> [Float] {
        guard let format else { return [] }
        pending += bytes
        let whole = pending.count - pending.count % format.bytesPerFrame
        guard whole > 0 else { return [] }
        let mono = pending.withUnsafeBytes { format.monoSamples(UnsafeRawBufferPointer(rebasing: $0[..<whole])) }
        pending.removeFirst(whole)
        guard let resampler else { return mono }
        return mono.withUnsafeBufferPointer { resampler.process($0) }
    }
}
