import Foundation

/// Reads an audio file block by block as mono samples at a chosen rate, so an hour of
/// speech never has to sit in memory at once.
///
///     let stream = try AudioStream(url, sampleRate: 16000)
///     while let block = try stream.nextBlock() { features.append(block) }
///
/// Blocks vary in length (the resampler holds back its filter delay until the end);
/// concatenated they equal `AudioFile.read(url, sampleRate:)`.
public final class AudioStream {
    public let url: URL
    /// Rate of the returned samples.
    public let sampleRate: Int
    /// Rate, channel count and length of the file itself.
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    public let sourceFrameCount: Int
    /// Seconds of audio in the file.
    public var duration: Double { Double(sourceFrameCount) / Double(sourceSampleRate) }

    private let reader: SoundFileReader
    private let resampler: Resampler?
    private let blockFrames: Int
    private var interleaved: [Float]  // (blockFrames, sourceChannels)
    private var finished = false

    /// `sampleRate: nil` keeps the file's rate. `blockFrames` is the number of source
    /// frames decoded per block.
    public init(_ url: URL, sampleRate: Int? = 16000, blockFrames: Int = 1 << 16) throws {
        precondition(blockFrames > 0, "blockFrames must be positive")
        reader = try SoundFileReader(url)
        self.url = url
        sourceSampleRate = reader.sampleRate
        sourceChannels = reader.channels
        sourceFrameCount = reader.frameCount
        self.sampleRate = sampleRate ?? reader.sampleRate
        resampler = self.sampleRate == reader.sampleRate ? nil : try Resampler(from: reader.sampleRate, to: self.sampleRate, file: url)
        self.blockFrames = blockFrames
        interleaved = [Float](repeating: 0, count: blockFrames * reader.channels)
    }

    /// The next mono block at `sampleRate`, or nil after the end of the file.
    public func nextBlock() throws -> [Float]? {
        while !finished {
            let frames = try interleaved.withUnsafeMutableBufferPointer {
                try reader.read(into: $0.baseAddress!, frames: blockFrames)
            }
            guard frames > 0 else {
                finished = true
                if let tail = resampler?.finish(), !tail.isEmpty { return tail }
                break
            }
            let mono = mixToMono(frames: frames)
            guard let resampler else { return mono }
            let block = mono.withUnsafeBufferPointer { resampler.process($0) }
            if !block.isEmpty { return block }
        }
        return nil
    }

    /// The rest of the stream in one array.
    public func readAll() throws -> [Float] {
        var samples: [Float] = []
        samples.reserveCapacity(Int(Double(sourceFrameCount) * Double(sampleRate) / Double(sourceSampleRate)) + 1)
        while let block = try nextBlock() { samples += block }
        return samples
    }

    /// Averages the channels of the first `frames` interleaved frames.
    private func mixToMono(frames: Int) -> [Float] {
        let channels = sourceChannels
        if channels == 1 { return Array(interleaved.prefix(frames)) }
        let scale = 1 / Float(channels)
        return [Float](unsafeUninitializedCapacity: frames) { mono, initialized in
            interleaved.withUnsafeBufferPointer { source in
                for frame in 0..<frames {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += source[frame * channels + channel] }
                    mono[frame] = sum * scale
                }
            }
            initialized = frames
        }
    }
}
