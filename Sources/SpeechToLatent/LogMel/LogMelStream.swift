import NeuralNetworks

/// Log-mel features of audio that arrives in pieces: `append` returns every frame whose
/// window is complete, `finish` the last frames (which need the reflect padding at the
/// end). Concatenated, the results equal `LogMelSpectrogram` on the whole signal; memory
/// stays at one window of samples plus the frames of one piece.
public final class LogMelStream {
    public let spectrogram: LogMelSpectrogram
    /// The padded signal from the start of the next frame's window on. Padded index p is
    /// sample p − n_fft/2 (before the first sample: its reflection).
    private var pending: [Float] = []
    /// Samples seen so far; the start padding needs the first n_fft/2 + 1 of them.
    private var received = 0
    private var started = false
    private var finished = false

    public init(_ spectrogram: LogMelSpectrogram = LogMelSpectrogram()) { self.spectrogram = spectrogram }

    /// Frames (n, mels) completed by `samples`; n may be 0.
    public func append(_ samples: [Float]) -> Tensor {
        precondition(!finished, "LogMelStream.append after finish")
        received += samples.count
        pending += samples
        if !started {
            guard pending.count >= spectrogram.minimumSamples else { return emptyFrames() }
            pending = LogMelSpectrogram.reflectStart(pending, spectrogram.configuration.fftSize / 2) + pending
            started = true
        }
        return takeCompleteFrames()
    }

    /// The remaining frames, after padding the end by reflection. Throws when the whole
    /// stream was shorter than `spectrogram.minimumSamples`.
    public func finish() throws -> Tensor {
        precondition(!finished, "LogMelStream.finish twice")
        finished = true
        guard started else { throw LogMelSpectrogram.tooShort(received, spectrogram.minimumSamples, file: nil) }
        // The reflection needs the last n_fft/2 + 1 samples: `pending` always holds at least
        // n_fft − hop of them once started (less would have left no frame unfinished).
        pending += LogMelSpectrogram.reflectEnd(pending, spectrogram.configuration.fftSize / 2)
        return takeCompleteFrames()
    }

    /// Transforms every whole window in `pending` and drops the samples no later frame needs.
    private func takeCompleteFrames() -> Tensor {
        let (n, hop) = (spectrogram.configuration.fftSize, spectrogram.configuration.hopLength)
        let frames = pending.count >= n ? (pending.count - n) / hop + 1 : 0
        guard frames > 0 else { return emptyFrames() }
        let out = Tensor(uninitializedShape: [frames, spectrogram.configuration.mels])
        pending.withUnsafeBufferPointer { spectrogram.logMel(frames: frames, from: $0.baseAddress!, into: out.pointer) }
        pending.removeFirst(frames * hop)
        return out
    }

    private func emptyFrames() -> Tensor { Tensor(uninitializedShape: [0, spectrogram.configuration.mels]) }
}
