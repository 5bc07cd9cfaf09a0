import ArgumentParser
import Foundation
import Logging
import TalkingFace
import Datasets
import DiffusionAutoencoder

/// `talkingface generate`: speech in, talking-face video out (docs/architecture.md §1, §7).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Turn speech into a talking-face video with a speaker bundle.",
        discussion: """
        Speech → features → z_sem and head pose per frame (25 fps) → frames decoded by DDIM in \
        batches, every frame from the same start noise x_T → PNG frames written as each batch \
        finishes (memory stays flat however long the speech) → an MP4 with the speech when \
        ffmpeg is on PATH. Ctrl-C or SIGTERM stops it, removes the unfinished frames and \
        exits with status 130 or 143.

        Output: with --out NAME.mp4 the frames go to the folder NAME/ (frames/00000.png …, \
        pose.csv, latents.h5, meta.json: a data set `talkingface eval` reads); with --out DIR \
        they go to DIR/ and the video to DIR/video.mp4.

        Noise (--noise): reference (default) starts every frame from the speaker bundle's \
        reference x_T; seed draws one Gaussian x_T from --seed and shares it; independent \
        draws fresh noise for every frame — an ablation only: the video flickers.

        Pose: predicted from the speech by default; --pose FILE takes a CSV with the columns \
        frame, yaw, pitch, roll (radians unless --pose-degrees; one row per frame, frames \
        numbered from 0), --pose-from DATASET takes a speaker data set's pose.csv. Its length \
        must match the speech's frame count unless --pose-fit trim|loop says otherwise.

        Paste-back (--into VIDEO): the face is tracked in VIDEO as `prepare` tracks it, and \
        every generated crop goes back into a frame of it: into prepare's box for the clip, \
        moved with the face (each frame's eye-aligned box for a speaker made from --align \
        crops), its colour matched at the seam, blended through a feathered mask of the jaw \
        line and brows. The MP4 has VIDEO's size and frame rate and the speech as its sound; \
        VIDEO runs back and forth when the speech is longer. A speaker fine-tuned on a \
        prepared recording pastes into that recording by default (--crop-only: the crops).

        Live (--stream): the speech is read as it arrives — a WAV or raw PCM (--raw-rate) on \
        standard input with --audio -, or a WAV or raw file still being written, which has \
        ended once it has not grown for --idle-seconds — and every frame is written as soon as \
        it is decoded: raw RGB video on standard output (--out -; the log stays on stderr) or \
        a fragmented MP4 that plays while it grows (--out NAME.mp4, the speech muxed in step \
        with the frames). The model is non-causal: it runs on windows of 2 s context, --hop \
        and --lookahead, so a frame comes out --lookahead (+ up to --hop) after its sound, \
        plus the decoding time (a bundle's distilled student keeps 25 fps on two cores; without \
        one, fewer --steps decode faster). The pose is predicted.

        Examples:
          talkingface generate --audio hello.wav --out out.mp4
          talkingface generate --audio hello.wav --steps 10 --out runs/hello
          talkingface generate --audio hello.wav --pose turn.csv --pose-fit loop --out t.mp4
          talkingface generate --audio hello.wav --pose-from data/synth/speaker_00 \\
              --pose-fit trim --out posed.mp4
          talkingface generate --audio hello.wav --noise independent --out flicker.mp4
          talkingface generate --audio hello.wav --into me.mp4 --out me_speaking.mp4
          talkingface generate --stream --audio - --out - < hello.wav \\
              | ffplay -f rawvideo -pixel_format rgb24 -video_size 64x64 \\
              -framerate 25 -
          arecord -f S16_LE -r 16000 -c 1 -t raw \\
              | talkingface generate --stream --audio - --raw-rate 16000 \\
              --out live.mp4
          talkingface generate --stream --audio recording.wav --idle-seconds 5 \\
              --out live.mp4
        """)

    @Option(help: "Speech: WAV, FLAC or OGG (any rate; mixed to mono, resampled to 16 kHz); with --stream, - for standard input.") var audio: String
    @Option(help: "Speaker bundle folder (dae.h5, s2l.h5, reference.h5, meta.json); default: Weights/default in $\(DefaultSpeakerBundle.weightsVariable), beside the executable, or here.")
    var speaker: String?
    @Option(help: "Output: NAME.mp4 (frames in NAME/) or a folder; with --stream, - (raw video on standard output) or NAME.mp4 (fragmented).") var out: String
    @Option(help: "Pose override: CSV with columns frame, yaw, pitch, roll.") var pose: String?
    @Flag(help: "The --pose file's angles are in degrees (default: radians).") var poseDegrees = false
    @Option(help: "Pose override from a data set folder's pose.csv.") var poseFrom: String?
    @Option(help: "When the pose override's length differs from the speech: error, trim (cut a longer track) or loop.")
    var poseFit: String = PoseFit.error.rawValue
    @Option(parsing: .unconditional, help: "DDIM steps, 2 or more (default: the speaker bundle's, 20).") var steps: Int?
    @Option(help: "Sampler: ddim (default) or dpm++ (DPM-Solver++(2M); one UNet pass per step, as DDIM).")
    var sampler: DiffusionSampler?
    @Flag(help: "Decode with the DAE's DDIM even when the bundle has a distilled student (`talkingface distill`); --steps and --sampler also choose DDIM.")
    var teacher = false
    @Option(help: "Start noise: reference, seed or independent (ablation: flickers).") var noise = "reference"
    @Option(parsing: .unconditional, help: "Seed for --noise seed|independent.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Frames decoded together.") var batch = 16
    @Option(help: "Wav2Vec2/HuBERT folder, for a speaker bundle trained on its features.") var audioEncoder: String?
    @Flag(help: "Write the PNG frames only, no MP4.") var noVideo = false
    @Option(help: "Paste the face into this video (tracked in every frame): the MP4 gets its size and frame rate, the clip running back and forth when the speech is longer. Default: the video a fine-tuned speaker was prepared from, when its bundle records one.")
    var into: String?
    @Flag(help: "Make the video of the generated crops even when the speaker bundle records a source video.") var cropOnly = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var live: LiveOptions

    /// The bundle's student unless --teacher or --sampler asks for DDIM.
    var decoderChoice: DecoderChoice { teacher || sampler != nil ? .teacher : .automatic }

    /// --noise and --seed as the decoder's start (validated: one of the three names).
    var noiseStart: NoiseStart {
        switch noise {
        case "seed": .seeded(seed)
        case "independent": .independent(seed: seed)
        default: .reference
        }
    }

    /// --speaker, else the shipped default bundle.
    func speakerBundle() throws -> URL {
        try speaker.map { URL(fileURLWithPath: $0) } ?? DefaultSpeakerBundle.locate()
    }

    func validate() throws {
        try validateLive()
        try OptionRange.check("--batch", batch, atLeast: 1)
        try OptionRange.checkDDIMSteps(steps)
        guard ["reference", "seed", "independent"].contains(noise) else {
            throw ValidationError("--noise must be reference, seed or independent, not '\(noise)'")
        }
        guard PoseFit(rawValue: poseFit) != nil else { throw ValidationError("--pose-fit must be error, trim or loop, not '\(poseFit)'") }
        if pose != nil && poseFrom != nil { throw ValidationError("give --pose or --pose-from, not both") }
        if let into {
            guard !noVideo && !cropOnly else { throw ValidationError("--into makes a video: drop --no-video and --crop-only") }
            let video = Speaker.outputPlaces(URL(fileURLWithPath: out)).video
            guard URL(fileURLWithPath: into).standardizedFileURL != video.standardizedFileURL else {
                throw ValidationError("--into \(into) is also the output video: choose another --out")
            }
        }
    }

    func run() throws {
        if live.stream { return try runLive() }
        let logger = Logger(label: "talkingface.generate")
        let speech = URL(fileURLWithPath: audio)
        let bundle = try speakerBundle()
        let target = try output.target(out, kind: .generatedVideo, inputs: [audio, bundle.path, pose, poseFrom, audioEncoder, into])
        let speaker = try Speaker(bundle: bundle)
        logger.info("speaker \(speaker.meta.name): \(speaker.meta.imageSize)×\(speaker.meta.imageSize) at \(speaker.meta.fps) fps (\(bundle.path))")

        let start = noiseStart
        if case .independent = start { logger.warning("--noise independent is an ablation: expect flicker") }
        let fit = PoseFit(rawValue: poseFit)!
        var posing = GenerationPose.predicted
        if let pose {
            let url = URL(fileURLWithPath: pose)
            posing = .override(try PoseTrack.readOverride(url, degrees: poseDegrees), fit: fit, source: url)
        } else if let poseFrom {
            let dataset = try SpeakerDataset(at: URL(fileURLWithPath: poseFrom))
            guard let track = dataset.pose else {
                throw ValidationError("\(dataset.root.appendingPathComponent("pose.csv").path) does not exist; --pose-from needs a data set with pose.csv")
            }
            posing = .override(track, fit: fit, source: dataset.root.appendingPathComponent("pose.csv"))
        }

        let pasteSource = try pasteBackSource(for: speaker, logger)
        let decoder = decoderChoice
        let renderer = speaker.frameRenderer(decoder, steps: steps, sampler: sampler ?? .ddim, noise: start)
        logger.info("decoder: \(renderer.summary)")

        let bars = StageBars()
        let result = try target.writeInPlace { try stoppingOnSignals(logger, stopped: "stopped; no partial frames were kept") {
            try speaker.generate(
                speech: speech, steps: steps, sampler: sampler ?? .ddim, decoder: decoder, pose: posing, noise: start, batchSize: batch,
                audioEncoder: audioEncoder.map { URL(fileURLWithPath: $0) }, to: URL(fileURLWithPath: out),
                makeVideo: !noVideo && pasteSource == nil) { stage, done, total in bars.update(stage, done, total) }
        } }

        for note in result.notes { logger.warning("\(note)") }
        print(result.timings.table(speechSeconds: result.seconds))
        logger.info("\(result.frameCount) frames → \(result.framesFolder.path)")
        if let video = result.video { logger.info("video → \(video.path)") }
        if let pasteSource { try pasteBack(result, into: pasteSource, speech: speech, logger) }
    }
}

/// One progress bar (with ETA) per generation stage; the write stage runs between decode
/// batches, so only decode gets a bar of its own and write is reported in the timings.
private final class StageBars {
    private var current: (stage: GenerationStage, bar: ProgressBar)?

    func update(_ stage: GenerationStage, _ done: Int, _ total: Int) {
        guard stage != .write else { return }
        if current?.stage != stage { current = (stage, ProgressBar(stage.rawValue)) }
        current?.bar.update(done, of: total)
    }
}
