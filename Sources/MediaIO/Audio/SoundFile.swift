import CSndFile
import Foundation

/// An open libsndfile handle for reading, closed when it goes away.
final class SoundFileReader {
    let url: URL
    let sampleRate: Int
    let channels: Int
    /// Frames (one sample per channel) in the file.
    let frameCount: Int
    private let handle: OpaquePointer
    /// Frames returned so far (to say where a bad sample sits).
    private var position = 0

    init(_ url: URL) throws {
        try requireReadableFile(url)
        var info = SF_INFO()
        guard let handle = sf_open(url.path, Int32(SFM_READ), &info) else {
            throw MediaIOError(.corrupt, file: url, "not a readable audio file (libsndfile: \(String(cString: sf_strerror(nil))))")
        }
        self.handle = handle
        self.url = url
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frameCount = Int(info.frames)
        guard sampleRate > 0, channels > 0 else {
            throw MediaIOError(.corrupt, file: url, "header declares \(channels) channels at \(sampleRate) Hz")
        }
        guard frameCount > 0 else { throw MediaIOError(.emptyAudio, file: url, "the file holds no audio frames") }
    }

    /// Largest sample magnitude read. Integer formats decode to [-1, 1] and float files hold
    /// about that range too (a hot mix a little beyond); a float sample far outside it is not
    /// sound but damage or a mislabelled format, and would overflow the speech features and
    /// training losses to NaN. 64 (+36 dB over full scale) leaves any real recording room.
    static let maxSampleMagnitude: Float = 64

    /// Reads up to `frames` interleaved frames as floats in [-1, 1]; 0 at the end of the file.
    /// A NaN or ±∞ sample (possible in float WAVs), or one beyond ±`maxSampleMagnitude`, is
    /// an error naming its frame and time.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let got = Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
        if got < frames, sf_error(handle) != 0 {
            throw MediaIOError(.corrupt, file: url, "decoding failed (libsndfile: \(String(cString: sf_strerror(handle))))")
        }
        let samples = UnsafeBufferPointer(start: buffer, count: got * channels)
        if let index = samples.firstIndex(where: { !(abs($0) <= Self.maxSampleMagnitude) }) {
            let frame = position + index / channels, value = samples[index]
            let at = "sample \(frame) (at \(String(format: "%.3f", Double(frame) / Double(sampleRate))) s) is \(value)"
            throw MediaIOError(.corrupt, file: url, value.isFinite
                ? "\(at), far outside the [-1, 1] of sound (at most ±\(Int(Self.maxSampleMagnitude)) is read); the file is damaged or not the format its header says"
                : "\(at); audio samples must be finite")
        }
        position += got
        return got
    }

    deinit { sf_close(handle) }
}

/// An open libsndfile handle for writing mono audio; `close()` reports whether it all
/// reached the file.
final class SoundFileWriter {
    private var handle: OpaquePointer?
    private let reportedURL: URL

    /// `format` is a libsndfile major|minor format (e.g. WAV|PCM_16); errors name `reportedURL`.
    init(_ path: URL, reportingAs reportedURL: URL, sampleRate: Int, format: Int32) throws {
        self.reportedURL = reportedURL
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = format
        guard sf_format_check(&info) != 0 else {
            throw MediaIOError(.invalidArgument, file: reportedURL, "libsndfile cannot write this format at \(sampleRate) Hz")
        }
        guard let handle = sf_open(path.path, Int32(SFM_WRITE), &info) else {
            throw MediaIOError(.io, file: reportedURL, "cannot create audio file (libsndfile: \(String(cString: sf_strerror(nil))))")
        }
        self.handle = handle
        // Out-of-range samples clip to ±1 instead of wrapping around in integer formats.
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
    }

    func write(_ samples: [Float]) throws {
        let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t($0.count)) }
        guard written == samples.count else {
            throw MediaIOError(.io, file: reportedURL, "wrote \(written) of \(samples.count) frames (libsndfile: \(String(cString: sf_strerror(handle))))")
        }
    }

    func close() throws {
        guard let handle else { return }
        self.handle = nil
        let status = sf_close(handle)
        guard status == 0 else {
            throw MediaIOError(.io, file: reportedURL, "closing failed (libsndfile: \(String(cString: sf_error_number(status))))")
        }
    }

    deinit { if let handle { sf_close(handle) } }
}
