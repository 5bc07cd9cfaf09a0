import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent

extension Speaker {
    /// The live windowing `generateLive` uses unless told otherwise: 2 s of context,
    /// a 0.2 s hop and `lookahead` seconds of look-ahead, in frames at the bundle's rate.
    public func liveWindowing(lookahead: Double = 0.4, hop: Double = 0.2, context: Double = 2) -> LiveWindowing {
        let fps = meta.fps
        return LiveWindowing(context: Int((context * fps).rounded()), hop: max(1, Int((hop * fps).rounded())),
                             lookahead: Int((lookahead * fps).rounded()))
    }

    /// Speech that is still arriving in, frames out as soon as their look-ahead is in:
    /// log-mel features computed as the samples come (`LogMelStream`), the speech-to-latent
    /// model on windows placed by the hop (`SpeechToLatentLiveStream`), and each run of
    /// z_sem rows decoded at once, `batchSize` frames at a time, by the same decoder as
    /// `generate` (shared x_T; the distilled student when the bundle has one and `decoder`,
    /// `steps`, `sampler` and `noise` allow it, else DDIM with `steps`), each batch handed to
    /// `output` as soon as it is done.
    /// Memory stays at a window of features and a batch of frames however long the speech
    /// (TALKINGFACE_DECODE_FRAMES=N decodes only the first N frames, as for `generate`).
    ///
    /// The pose is the model's prediction (it conditions z_sem; a given pose track needs the
    /// speech's length up front). Reads speakers trained on log-mel features only. Stops
    /// between batches with `CancellationError` when `InterruptSignal` is raised.
    public func generateLive(speech: AudioBlockSource, windowing: LiveWindowing? = nil, steps: Int? = nil, sampler: DiffusionSampler = .ddim,
                             decoder choice: DecoderChoice = .automatic, noise: NoiseStart = .reference, batchSize: Int = 16,
                             into output: LiveVideoOutput) throws -> LiveGenerationReport {
        let renderer = frameRenderer(choice, steps: steps, sampler: sampler, noise: noise)
        let steps = steps ?? meta.defaultSteps
        try checkDecoding(steps: steps, batchSize: batchSize)
        guard meta.features == SpeakerMeta.logMel else {
            throw SpeakerError(file: bundle?.appendingPathComponent(Self.metaFile),
                               "this speaker reads \(meta.features) features; live generation reads log-mel speakers only")
        }
        let spectrogram = LogMelSpectrogram()
        guard speech.sampleRate == spectrogram.configuration.sampleRate else {
            throw SpeakerError(file: nil, "speech at \(speech.sampleRate) Hz; the features read \(spectrogram.configuration.sampleRate) Hz")
        }
        let features = LogMelStream(spectrogram)
        let latents = SpeechToLatentLiveStream(model: s2l, windowing: windowing ?? liveWindowing())
        let clock = LiveClockSink(output, samplesPerFrame: Int((Double(speech.sampleRate) / meta.fps).rounded()))
        var timings = GenerationTimings()
        var decoder = FrameDecoder(renderer: renderer, noise: noise, reference: reference.xT, batchSize: batchSize, total: .max, sink: clock, progress: nil, decodeLimit: Self.decodeLimitForMeasurement)
        func decode(_ zSem: Tensor) throws {
            try decoder.add(zSem, timings: &timings)
            try decoder.finish(timings: &timings)  // now, not when a whole batch has gathered
        }
        func predict(_ block: Tensor) throws -> Tensor {
            do { return try latents.append(block).latents } catch let error as SpeechToLatentError {
                throw SpeakerError(file: nil, error.description)
            }
        }
        while let samples = try speech.nextBlock() {
            clock.latency.heard(samples.count)
            try output.hear(samples)
            let block = features.append(samples)
            if block.size(0) > 0 { try decode(try predict(block)) }
        }
        let tail: Tensor
        do { tail = try features.finish() } catch let error as MediaIOError {
            throw SpeakerError(file: nil, "the speech is too short for a frame (\(error.reason))")
        }
        try decode(try predict(tail))
        try decode(latents.finish().latents)
        guard clock.latency.frames > 0 else { throw SpeakerError(file: nil, "the speech is too short to make a single video frame") }
        try output.finish()
        return clock.latency.report
    }
}

/// Passes frames on to the output and notes when each went out.
private final class LiveClockSink: FrameSink {
    let output: LiveVideoOutput
    var latency: LiveLatency

    init(_ output: LiveVideoOutput, samplesPerFrame: Int) {
        self.output = output
        latency = LiveLatency(samplesPerFrame: samplesPerFrame)
    }

    func write(_ batch: Tensor, firstFrame: Int) throws {
        try output.write(batch, firstFrame: firstFrame)
        latency.wrote(batch.size(0))
    }
}
