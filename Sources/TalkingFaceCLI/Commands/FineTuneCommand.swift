import ArgumentParser
import Foundation
import Logging
import TalkingFace

/// `talkingface finetune`: a new speaker bundle from a base bundle and one person's recording.
struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a speaker bundle on one person's video (or frames + audio).",
        discussion: """
        Four stages, each resumable (run the same command again to continue after Ctrl-C \
        or a crash; a finished stage is skipped, and raising a step count trains \
        further):
          1. dae     the DAE fine-tuned from the base's dae.h5        → OUT/dae/
          2. encode  z_sem of every frame                             → OUT/latents.h5
          3. s2l     speech → z_sem fine-tuned from the base's s2l.h5 → OUT/s2l/
          4. bundle  the new speaker (float16)                        → OUT/speaker/
        The person's data: --video FILE (frames and audio are extracted into OUT/data/ with \
        ffmpeg), or --data DIR (a speaker data set: frames/, audio.wav, meta.json, optional \
        pose.csv). The last 10 % of the recording is held out from both trainings. Without \
        audio only the DAE stages run. Frames are centre-cropped to a square unless the \
        data set's meta.json gives a crop.

        Examples:
          talkingface finetune --video me.mp4 --out runs/me
          talkingface finetune --data data/synth/speaker_05 --base Weights/default \\
              --dae-steps 1800 --s2l-steps 1500 --out runs/spk5
          talkingface finetune --video carphone.mp4 --until dae --out runs/carphone
          talkingface generate --audio hello.wav --speaker runs/me/speaker \
              --out hello.mp4
        """)

    @Option(help: "The speaker bundle to start from (default: the shipped speaker, as for generate).") var base: String?
    @Option(help: "The person's video (frames and audio extracted into OUT/data/).") var video: String?
    @Option(help: "The person's data set folder (instead of --video).") var data: String?
    @Option(help: "Output folder (the stages' runs and OUT/speaker/).") var out: String
    @Option(help: "The new bundle's name (default: the output folder's name).") var name: String?
    @Option(help: "DAE fine-tuning steps (≈ 1 step/s with cpu64 on 2 cores).") var daeSteps = 1500
    @Option(help: "Speech-to-latent fine-tuning steps.") var s2lSteps = 2000
    @Option(help: "Frames (DAE) or windows (speech) per step.") var batch = 8
    @Option(help: "DAE learning rate.") var daeLr = 1e-4
    @Option(help: "Speech-to-latent peak learning rate.") var s2lLr = 1e-4
    @Option(help: "Seed of data order and noise.") var seed: UInt64 = 0
    @Option(help: "Checkpoint every N steps.") var checkpointEvery = 100
    @Option(help: "The frame whose x_T the bundle shares (default: the most typical training frame).")
    var referenceFrame: Int?
    @Option(help: "Wav2Vec2/HuBERT folder, when the base speaker was trained on its features.") var audioEncoder: String?
    @Option(help: "Stop after this stage: dae, encode, s2l or bundle.") var until = "bundle"

    func validate() throws {
        guard (video == nil) != (data == nil) else { throw ValidationError("give either --video FILE or --data DIR") }
        guard daeSteps >= 1, s2lSteps >= 1, batch >= 1, checkpointEvery >= 1 else {
            throw ValidationError("--dae-steps, --s2l-steps, --batch and --checkpoint-every must be at least 1")
        }
        guard FineTuning.Stage(rawValue: until) != nil else {
            throw ValidationError("--until must be one of \(FineTuning.Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let logger = Logger(label: "talkingface.finetune")
        let folder = URL(fileURLWithPath: out)
        let dataFolder = try data.map { URL(fileURLWithPath: $0) } ?? importVideo(into: folder, logger: logger)
        let baseBundle = try base.map { URL(fileURLWithPath: $0) } ?? DefaultSpeakerBundle.locate()
        var options = FineTuneOptions(base: baseBundle.standardizedFileURL.path,
                                      data: dataFolder.standardizedFileURL.path, name: name ?? folder.lastPathComponent)
        options.daeSteps = daeSteps
        options.s2lSteps = s2lSteps
        options.batchSize = batch
        options.daeLearningRate = daeLr
        options.s2lLearningRate = s2lLr
        options.seed = seed
        options.checkpointEvery = checkpointEvery
        options.referenceFrame = referenceFrame
        options.audioEncoder = audioEncoder
        let fineTuning = try FineTuning(options: options, folder: folder)

        var line: TrainingProgressLine?
        var bar: ProgressBar?
        let bundle = try fineTuning.run(until: FineTuning.Stage(rawValue: until)!) { event in
            switch event {
            case .started(let stage, let what):
                logger.info("[\(stage.rawValue)] \(what)")
                line = stage == .dae || stage == .s2l ? TrainingProgressLine(label: stage.rawValue) : nil
                bar = nil
            case .training(_, let report):
                line?.update(report)
            case .progress(let stage, let done, let total):
                if bar == nil { bar = ProgressBar(stage == .dae ? "loading frames" : stage.rawValue) }
                bar?.update(done, of: total)
                if done >= total { bar = nil }
            case .finished(let stage, let what):
                line?.finish()
                line = nil
                logger.info("[\(stage.rawValue)] done: \(what)")
            case .skipped(let stage, let why):
                logger.info("[\(stage.rawValue)] skipped: \(why)")
            }
        }
        line?.finish()
        if let bundle {
            logger.info("new speaker: \(bundle.path)")
            logger.info("try it: talkingface generate --audio SPEECH.wav --speaker \(bundle.path) --out hello.mp4")
        } else if until == "bundle" {
            logger.info("stopped; run the same command again to continue")
        }
    }

    /// --video: its frames and audio into OUT/data/ (once; a rerun reuses them).
    private func importVideo(into folder: URL, logger: Logger) throws -> URL {
        let video = URL(fileURLWithPath: self.video!)
        guard FileManager.default.fileExists(atPath: video.path) else { throw ValidationError("--video \(video.path) does not exist") }
        let dataFolder = folder.appendingPathComponent("data")
        if !FileManager.default.fileExists(atPath: dataFolder.appendingPathComponent("frames").path) {
            let (rate, native) = try FineTuning.importFrameRate(of: video, until: FineTuning.Stage(rawValue: until)!)
            let resampling = rate.map { " at \(Int($0)) fps (the video has \(String(format: "%.2f", native)))" } ?? ""
            logger.info("extracting \(video.lastPathComponent) into \(dataFolder.path)\(resampling)")
            try SpeakerDataset.importVideo(video, into: dataFolder, frameRate: rate)
        }
        return dataFolder
    }
}
