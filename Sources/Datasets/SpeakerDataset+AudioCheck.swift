import Foundation
import MediaIO

extension SpeakerDataset {
    /// Most seconds the speech and the frames may differ in length: more and they are not the
    /// same take (a few frames' difference is normal: codecs pad audio).
    public static let maxAudioVideoSeconds = 1.0

    /// Reads `audio.wav` through once, block by block at its own rate (memory stays flat in
    /// its length), before anything trains on it: an audio file with a sane header, samples,
    /// every one finite and sound-sized, and as long as the frames at `meta.fps` within
    /// `maxAudioVideoSeconds`. Throws `MediaIOError` naming the file for what the audio reader
    /// refuses, `DatasetError.invalid` for the length; returns the speech's seconds.
    @discardableResult
    public func checkAudio() throws -> Double {
        guard hasAudio else { throw DatasetError.notADataset(root, "audio.wav is missing") }
        let stream = try AudioStream(audioURL, sampleRate: nil)
        var samples = 0
        while let block = try stream.nextBlock() { samples += block.count }
        guard samples > 0 else { throw MediaIOError(.emptyAudio, file: audioURL, "the file decodes to no audio samples") }
        let seconds = Double(samples) / Double(stream.sampleRate), videoSeconds = Double(frameCount) / meta.fps
        guard abs(seconds - videoSeconds) <= Self.maxAudioVideoSeconds else {
            func f(_ x: Double) -> String { String(format: "%.2f", x) }
            throw DatasetError.invalid(audioURL, key: "length",
                                       "\(f(seconds)) s of speech, but the \(frameCount) frames of \(framesFolder.path) last \(f(videoSeconds)) s at \(meta.fps) fps; "
                                       + "more than \(Self.maxAudioVideoSeconds) s apart, they are not the same take")
        }
        return seconds
    }
}
