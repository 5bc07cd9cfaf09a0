import CSndFile
import Foundation

/// Whole-file audio reading and writing through libsndfile.
public enum AudioFile {
    /// What `write` produces.
    public enum Format: Sendable {
        /// 16-bit PCM WAV: what every tool reads.
        case wav16
        /// 32-bit float WAV: lossless for our samples.
        case wavFloat32
        /// 16-bit FLAC: lossless compression of 16-bit audio.
        case flac16
        /// Ogg Vorbis: lossy, small (for previews, not for training data).
        case oggVorbis

        var libsndfileFormat: Int32 {
            switch self {
            case .wav16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
            case .wavFloat32: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            case .flac16: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
            case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
            }
        }
    }

    /// Any file libsndfile reads (WAV of any bit depth, FLAC, OGG/Vorbis, AIFF, …), mixed
    /// down to mono and resampled with libsoxr to `sampleRate` (nil keeps the file's rate).
    ///
    /// Throws `MediaIOError` naming the file: `.fileNotFound`, `.emptyFile` (0 bytes),
    /// `.corrupt` (unknown or damaged format, or a NaN/∞ sample), `.emptyAudio` (no frames). Silent audio
    /// reads fine; check `clip.isSilent`.
    public static func read(_ url: URL, sampleRate: Int? = 16000) throws -> AudioClip {
        let stream = try AudioStream(url, sampleRate: sampleRate)
        let samples = try stream.readAll()
        guard !samples.isEmpty else { throw MediaIOError(.emptyAudio, file: url, "the file decodes to no audio samples") }
        return AudioClip(samples: samples, sampleRate: stream.sampleRate)
    }

    /// Writes mono `clip` to `url` (replacing it atomically). Samples beyond ±1 clip.
    public static func write(_ clip: AudioClip, to url: URL, format: Format = .wav16) throws {
        try writeAtomically(to: url) { temporary in
            let writer = try SoundFileWriter(temporary, reportingAs: url, sampleRate: clip.sampleRate, format: format.libsndfileFormat)
            try writer.write(clip.samples)
            try writer.close()
        }
    }
}
