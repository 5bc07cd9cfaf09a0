import Foundation

/// The header of a WAV file read from a stream (a pipe, a file still being written): the
/// format and where the samples start, found without seeking.
///
/// The data chunk's size is honoured only when it is a real size: writers that cannot seek
/// back (ffmpeg or sox into a pipe, a recorder still running) write 0 or 0xFFFFFFFF there,
/// and then the samples run to the end of the stream.
public struct WAVStreamHeader: Sendable, Equatable {
    public let format: PCMFormat
    /// Bytes before the first sample.
    public let dataOffset: Int
    /// Bytes of samples, nil when the header does not know (the stream's end decides).
    public let dataBytes: Int?

    /// Parses the header at the start of `bytes`; nil while more bytes are needed. Throws
    /// when the bytes are not a WAV file or hold an encoding other than integer PCM
    /// (8, 16, 24, 32 bit) or 32-bit float.
    public static func parse(_ bytes: [UInt8], source: URL?) throws -> WAVStreamHeader? {
        func text(_ at: Int) -> String { String(decoding: bytes[at..<(at + 4)], as: UTF8.self) }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        guard bytes.count >= 12 else {
            if !bytes.isEmpty && !Array("RIFF".utf8).starts(with: bytes.prefix(4)) { throw notWAV(source) }
            return nil
        }
        guard text(0) == "RIFF", text(8) == "WAVE" else { throw notWAV(source) }
        var at = 12
        var format: PCMFormat?
        while bytes.count >= at + 8 {
            let (id, size) = (text(at), u32(at + 4))
            let body = at + 8
            if id == "data" {
                guard let format else { throw MediaIOError(.corrupt, file: source, "WAV data chunk before its fmt chunk") }
                let known = size != 0 && size != 0xFFFF_FFFF
                return WAVStreamHeader(format: format, dataOffset: body, dataBytes: known ? size - size % format.bytesPerFrame : nil)
            }
            guard size <= 1 << 20 else { throw MediaIOError(.corrupt, file: source, "WAV chunk '\(id)' of \(size) bytes before the data") }
            guard bytes.count >= body + size + size % 2 else { return nil }
            if id == "fmt " { format = try parseFormat(Array(bytes[body..<(body + size)]), source: source) }
            at = body + size + size % 2
        }
        return nil
    }

    private static func parseFormat(_ b: [UInt8], source: URL?) throws -> PCMFormat {
        guard b.count >= 16 else { throw MediaIOError(.corrupt, file: source, "WAV fmt chunk of \(b.count) bytes (16 at least)") }
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        var tag = u16(0)
        if tag == 0xFFFE && b.count >= 26 { tag = u16(24) }  // WAVE_FORMAT_EXTENSIBLE: the subformat's tag
        let (channels, rate, bits) = (u16(2), Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24, u16(14))
        guard channels >= 1, rate >= 1 else {
            throw MediaIOError(.corrupt, file: source, "WAV header with \(channels) channels at \(rate) Hz")
        }
        let encoding: PCMFormat.Encoding? = switch (tag, bits) {
        case (1, 8): .u8
        case (1, 16): .s16le
        case (1, 24): .s24le
        case (1, 32): .s32le
        case (3, 32): .f32le
        default: nil
        }
        guard let encoding else {
            throw MediaIOError(.unsupported, file: source,
                               "WAV encoding \(tag) with \(bits) bits; a stream reads integer PCM (8, 16, 24, 32 bit) or 32-bit float")
        }
        return PCMFormat(encoding: encoding, channels: channels, sampleRate: rate)
    }

    private static func notWAV(_ source: URL?) -> MediaIOError {
        MediaIOError(.unsupported, file: source, "not a WAV stream (no RIFF/WAVE header); give raw PCM with its rate (--raw-rate) instead")
    }
}
