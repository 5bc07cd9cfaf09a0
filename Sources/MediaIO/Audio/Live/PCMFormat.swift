import Foundation

/// How interleaved PCM samples are laid out in bytes: the encoding of one sample, the
/// channel count and the rate. Little-endian throughout, as WAV stores them.
public struct PCMFormat: Sendable, Equatable {
    public enum Encoding: String, Sendable, CaseIterable {
        case u8, s16le, s24le, s32le, f32le

        public var bytesPerSample: Int {
            switch self {
            case .u8: 1
            case .s16le: 2
            case .s24le: 3
            case .s32le, .f32le: 4
            }
        }
    }

    public let encoding: Encoding
    public let channels: Int
    public let sampleRate: Int

    public init(encoding: Encoding, channels: Int, sampleRate: Int) {
        (self.encoding, self.channels, self.sampleRate) = (encoding, channels, sampleRate)
    }

    /// Bytes of one frame: one sample of every channel.
    public var bytesPerFrame: Int { encoding.bytesPerSample * channels }

    /// The whole frames in `bytes`, mixed to mono (the channels averaged), in [−1, 1].
    public func monoSamples(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        let frames = bytes.count / bytesPerFrame
        let (width, channels) = (encoding.bytesPerSample, self.channels)
        let scale = 1 / Float(channels)
        return [Float](unsafeUninitializedCapacity: frames) { out, initialized in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    sum += sample(at: bytes.baseAddress! + (frame * channels + channel) * width)
                }
                out[frame] = sum * scale
            }
            initialized = frames
        }
    }

    private func sample(at p: UnsafeRawPointer) -> Float {
        switch encoding {
        case .u8:
            return (Float(p.load(as: UInt8.self)) - 128) / 128
        case .s16le:
            return Float(Int16(littleEndian: p.loadUnaligned(as: Int16.self))) / 32768
        case .s24le:
            let b = p.assumingMemoryBound(to: UInt8.self)
            let value = Int32(bitPattern: UInt32(b[0]) << 8 | UInt32(b[1]) << 16 | UInt32(b[2]) << 24) >> 8
            return Float(value) / 8_388_608
        case .s32le:
            return Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) / 2_147_483_648
        case .f32le:
            return Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        }
    }
}
