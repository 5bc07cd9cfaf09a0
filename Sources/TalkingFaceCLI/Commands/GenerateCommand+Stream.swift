import ArgumentParser
import Foundation
import Logging
import MediaIO
import NeuralNetworks
import TalkingFace

/// `generate --stream`'s options: where live speech comes from and how far the model
/// looks ahead.
struct LiveOptions: ParsableArguments {
    @Flag(help: "Live: read the speech as it arrives (a WAV or raw PCM on standard input with --audio -, or a file still being written) and write each frame as soon as it is made, as raw RGB video on standard output (--out -) or a fragmented MP4 (--out NAME.mp4).")
    var stream = false
    @Option(parsing: .unconditional, help: "--stream: the speech is raw PCM at this rate in Hz, without a WAV header.")
    var rawRate: Int?
    @Option(help: "--stream: raw PCM sample encoding: u8, s16le, s24le, s32le or f32le.")
    var rawFormat: String = PCMFormat.Encoding.s16le.rawValue
    @Option(parsing: .unconditional, help: "--stream: raw PCM channels (mixed to mono).")
    var rawChannels: Int = 1
    @Option(parsing: .unconditional, help: "--stream with a file: it has ended once it has not grown for this many seconds.")
    var idleSeconds: Double = 2
    @Option(parsing: .unconditional, help: "--stream: seconds of speech the model hears after a frame before making it (the latency floor).")
    var lookahead: Double = 0.4
    @Option(parsing: .unconditional, help: "--stream: seconds of frames made per model window (more: less compute, more latency).")
    var hop: Double = 0.2

    var rawEncoding: PCMFormat.Encoding? { PCMFormat.Encoding(rawValue: rawFormat) }

    func validate() throws {
        guard stream else {
            let given = [(rawRate != nil, "--raw-rate"), (rawFormat != PCMFormat.Encoding.s16le.rawValue, "--raw-format"),
                         (rawChannels != 1, "--raw-channels"), (idleSeconds != 2, "--idle-seconds"),
                         (lookahead != 0.4, "--lookahead"), (hop != 0.2, "--hop")].filter { $0.0 }.map { $0.1 }
            if let first = given.first { throw ValidationError("\(first) applies to live generation: add --stream") }
            return
        }
        try OptionRange.check("--raw-rate", rawRate, atLeast: 1000, atMost: 384_000)
        guard rawEncoding != nil else {
            throw ValidationError("--raw-format must be one of \(PCMFormat.Encoding.allCases.map(\.rawValue).joined(separator: ", ")), not '\(rawFormat)'")
        }
        try OptionRange.check("--raw-channels", rawChannels, atLeast: 1, atMost: 64)
        if rawRate == nil && (rawFormat != PCMFormat.Encoding.s16le.rawValue || rawChannels != 1) {
            throw ValidationError("--raw-format and --raw-channels describe raw PCM: give its rate with --raw-rate")
        }
        try OptionRange.check("--idle-seconds", idleSeconds, .atLeast(0), .atMost(3600))
        try OptionRange.check("--lookahead", lookahead, .atLeast(0), .atMost(10))
        try OptionRange.check("--hop", hop, .atLeast(0.04), .atMost(10))
    }
}

extension GenerateCommand {
    /// `--out -`: raw video on standard output.
    static let standardStream = "-"

    /// The options live generation cannot honour, refused before any work.
    func validateLive() throws {
        guard live.stream else {
            if audio == Self.standardStream { throw ValidationError("--audio - reads standard input, which only --stream does") }
            return
        }
        let refused = [(into != nil, "--into: pasting back needs the whole speech"),
                       (pose != nil, "--pose: it predicts the pose as the speech arrives"),
                       (poseFrom != nil, "--pose-from: it predicts the pose as the speech arrives"),
                       (noVideo, "--no-video: it writes video only"),
                       (audioEncoder != nil, "--audio-encoder: it reads speakers trained on log-mel features")]
        if let reason = refused.first(where: { $0.0 })?.1 { throw ValidationError("--stream does not take \(reason)") }
        guard out == Self.standardStream || URL(fileURLWithPath: out).pathExtension.lowercased() == "mp4" else {
            throw ValidationError("--stream writes raw RGB video to standard output (--out -) or a fragmented MP4 (--out NAME.mp4), not '\(out)'")
        }
    }

    func runLive() throws {
        let logger = Logger(label: "talkingface.generate")
        let bundle = try speakerBundle()
        let toStandardOutput = out == Self.standardStream
        let target = toStandardOutput ? nil
            : try output.target(out, kind: .generatedVideo, inputs: [audio == Self.standardStream ? nil : audio, bundle.path])
        let speaker = try Speaker(bundle: bundle)
        let size = speaker.meta.imageSize
        logger.info("speaker \(speaker.meta.name): \(size)×\(size) at \(speaker.meta.fps) fps (\(bundle.path))")
        let speech = try liveSpeech(logger)
        let windowing = speaker.liveWindowing(lookahead: live.lookahead, hop: live.hop)
        logger.info("live: windows of \(windowing.window) frames (context \(windowing.context), hop \(windowing.hop), look-ahead \(windowing.lookahead))")
        func generate(into video: LiveVideoOutput) throws -> LiveGenerationReport {
            try stoppingOnSignals(logger, stopped: "stopped") {
                do {
                    return try speaker.generateLive(speech: speech, windowing: windowing, steps: steps, sampler: sampler ?? .ddim,
                                                    decoder: decoderChoice, noise: noiseStart, batchSize: batch, into: video)
                } catch let error as MediaIOError where error.file == nil {
                    throw SpeakerError(file: nil, "--audio - (standard input): \(error.reason)")
                }
            }
        }
        if let target {
            guard Video.isAvailable else { throw ValidationError("--out \(out) needs ffmpeg on PATH (or write raw video with --out -)") }
            let report = try target.writeInPlace {
                try generate(into: try FragmentedMP4Output(url: target.url, size: size, fps: speaker.meta.fps))
            }
            logger.info("\(report.summary)")
            logger.info("video → \(target.url.path)")
        } else {
            do {
                logger.info("raw video on standard output: rgb24, \(size)x\(size), \(speaker.meta.fps) fps")
                let report = try generate(into: RawVideoOutput())
                logger.info("\(report.summary)")
            } catch let closed as LiveOutputClosed {
                logger.info("\(closed); stopped")
            }
        }
    }

    /// The speech as it arrives: standard input (WAV, or raw PCM with --raw-rate), or a file
    /// followed as it grows (WAV or raw PCM); a file in another format (FLAC, OGG) is read
    /// whole, as it stands.
    private func liveSpeech(_ logger: Logger) throws -> AudioBlockSource {
        let raw = live.rawRate.map { PCMFormat(encoding: live.rawEncoding!, channels: live.rawChannels, sampleRate: $0) }
        if audio == Self.standardStream {
            return try LiveAudioStream(source: FileDescriptorSource(), raw: raw)
        }
        let url = URL(fileURLWithPath: audio)
        if raw == nil, let handle = FileHandle(forReadingAtPath: url.path) {
            let magic = (try? handle.read(upToCount: 4)) ?? nil
            try? handle.close()
            if let magic, magic.count == 4, magic != Data("RIFF".utf8) {
                logger.info("\(url.lastPathComponent) is not a WAV: read whole, as it stands")
                return try AudioStream(url, sampleRate: 16000)
            }
        }
        return try LiveAudioStream(source: GrowingFileSource(url, idleSeconds: live.idleSeconds), raw: raw)
    }
}
