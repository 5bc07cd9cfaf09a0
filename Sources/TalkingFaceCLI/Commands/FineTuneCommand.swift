import ArgumentParser
import FaceTracking
import Foundation
import Logging
import TalkingFace
import Datasets
import NeuralNetworks

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
          4. bundle  the new speaker bundle (float16)                 → OUT/speaker/
        The person's data: --video FILE (made into a data set in OUT/data/ as `talkingface \
        prepare` does: the face tracked and cropped at the base bundle's size, the head pose \
        from its landmarks), or --data DIR (a data set: frames/, audio.wav, meta.json, optional \
        pose.csv). The last 10 % of the recording is held out from both trainings. Without \
        audio only the DAE stages run.

        --recipe FILE.json gives the settings with snake_case keys, the flags' names (a flag \
        wins over it): dae_steps, s2l_steps, batch, dae_lr, s2l_lr, seed, checkpoint_every, \
        audio_encoder, reference_frame (the frame whose x_T the bundle shares; default: the \
        most typical training frame), and two DAE loss settings as `dae train` has them: \
        motion_weight and high_noise_share (default: none). OUT/finetune.json has the same form.

        Under `mpirun -np N` both trainings are data-parallel, as `dae train --help` tells (--batch \
        is the global batch, a multiple of N); rank 0 alone prepares, encodes and assembles.

        Examples:
          talkingface finetune --video me.mp4 --out runs/me
          talkingface finetune --data data/synth/speaker_05 --base Weights/default \\
              --dae-steps 1800 --s2l-steps 1500 --out runs/spk5
          talkingface finetune --video carphone.mp4 --until dae --out runs/carphone
          echo '{"dae_steps": 3000, "dae_lr": 5e-5, "reference_frame": 120}' > me.json
          talkingface finetune --video me.mp4 --recipe me.json --out runs/me
          talkingface generate --audio hello.wav --speaker runs/me/speaker \
              --out hello.mp4
        """)

    @Option(help: "The speaker bundle to start from (default: the shipped speaker, as for generate).") var base: String?
    @Option(help: "The person's video (prepared into OUT/data/: face tracked, cropped, posed).") var video: String?
    @Option(help: "The person's data set folder (instead of --video).") var data: String?
    @Option(help: "Output folder (the stages' runs and OUT/speaker/).") var out: String
    @Option(help: "The new bundle's name (default: the output folder's name).") var name: String?
    @Option(parsing: .unconditional, help: "DAE fine-tuning steps (default 1500, ≈ 1 step/s with cpu64 on 2 cores).") var daeSteps: Int?
    @Option(parsing: .unconditional, help: "Speech-to-latent fine-tuning steps (default 2000).") var s2lSteps: Int?
    @Option(parsing: .unconditional, help: "Frames (DAE) or windows (speech) per step, over all ranks under mpirun (default 8).") var batch: Int?
    @Option(parsing: .unconditional, help: "DAE learning rate (default 1e-4).") var daeLr: Double?
    @Option(parsing: .unconditional, help: "Speech-to-latent peak learning rate (default 1e-4).") var s2lLr: Double?
    @Option(parsing: .unconditional, help: "Seed of data order and noise (default 0).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Checkpoint every N steps (default 100).") var checkpointEvery: Int?
    @Option(help: "A recipe (JSON): defaults for these flags and the reference frame (fields above).") var recipe: String?
    @Option(help: "Wav2Vec2/HuBERT folder, when the --base bundle was trained on its features.") var audioEncoder: String?
    @Option(help: "Stop after this stage: dae, encode, s2l or bundle.") var until = "bundle"
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (video == nil) != (data == nil) else { throw ValidationError("give either --video FILE or --data DIR") }
        try OptionRange.check("--dae-steps", daeSteps, atLeast: 1)
        try OptionRange.check("--s2l-steps", s2lSteps, atLeast: 1)
        try OptionRange.check("--batch", batch, atLeast: 1)
        try OptionRange.check("--dae-lr", daeLr, .above(0))
        try OptionRange.check("--s2l-lr", s2lLr, .above(0))
        try OptionRange.check("--checkpoint-every", checkpointEvery, atLeast: 1)
        guard FineTuning.Stage(rawValue: until) != nil else {
            throw ValidationError("--until must be one of \(FineTuning.Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The recipe's settings (or the defaults) with the flags given over them; the data
    /// folder is set once known.
    private func fineTuneOptions(folder: URL) throws -> FineTuneOptions {
        var options = try recipe.map { try RecipeFile.read(FineTuneOptions.self, from: $0).value }
            ?? FineTuneOptions(base: "", data: "", name: "")
        options.base = try baseBundle().standardizedFileURL.path
        options.name = name ?? folder.lastPathComponent
        if let daeSteps { options.daeSteps = daeSteps }
        if let s2lSteps { options.s2lSteps = s2lSteps }
        if let batch { options.batchSize = batch }
        if let daeLr { options.daeLearningRate = daeLr }
        if let s2lLr { options.s2lLearningRate = s2lLr }
        if let seed { options.seed = seed }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        if let audioEncoder { options.audioEncoder = audioEncoder }
        do { try options.validate() } catch let error as RecipeError { throw recipe.map { error.inFile($0) } ?? error }
        return options
    }

    func run() throws {
        let options = try fineTuneOptions(folder: URL(fileURLWithPath: out))  // a bad recipe stops before the video is read
        // Rank 0 owns the output folder; the other ranks train and wait for it.
        guard Ranks.communicator.isRoot else { return try fineTune(options) }
        // A run is known by its finetune.json, or by the data set it prepared from --video first.
        let run = OutputKind.trainingRun(markers: ["finetune.json", "data/crop.json"], worthKeeping: ["data/meta.json", "dae/checkpoint.h5"])
        let target = try output.target(out, kind: run, inputs: [data, video, options.base, recipe, audioEncoder])
        try target.writeInPlace { try fineTune(options) }
    }

    private func fineTune(_ given: FineTuneOptions) throws {
        var options = given
        let logger = Logger(label: "talkingface.finetune")
        let folder = URL(fileURLWithPath: out)
        let ranks = Ranks.communicator
        var dataFolder = data.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("data")
        if data == nil {
            if ranks.isRoot { dataFolder = try importVideo(into: folder, logger: logger) }
            try ranks.barrier()  // the data set is prepared before any rank reads it
        }
        options.data = dataFolder.standardizedFileURL.path
        let fineTuning = try FineTuning(options: options, folder: folder)
        fineTuning.communicator = ranks

        var line: TrainingProgressLine?
        var bar: ProgressBar?
        let bundle = try fineTuning.run(until: FineTuning.Stage(rawValue: until)!) { event in
            guard ranks.isRoot else { return }
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
        if InterruptSignal.isRequested {
            logger.info("stopped; run the same command again to continue")
            throw ExitCode.interrupted
        }
        if let bundle {
            logger.info("new speaker bundle: \(bundle.path)")
            logger.info("try it: talkingface generate --audio SPEECH.wav --speaker \(bundle.path) --out hello.mp4")
        } else if until == "bundle" {
            logger.info("stopped; run the same command again to continue")
        }
    }

    /// --base, or the shipped speaker found as `generate` finds it.
    private func baseBundle() throws -> URL {
        try base.map { URL(fileURLWithPath: $0) } ?? DefaultSpeakerBundle.locate()
    }

    /// --video: `prepare`'s data set of it in OUT/data/ (once; a rerun reuses it): the face
    /// tracked and cropped at the base bundle's size, its head pose from the landmarks.
    private func importVideo(into folder: URL, logger: Logger) throws -> URL {
        let video = URL(fileURLWithPath: self.video!)
        guard FileManager.default.fileExists(atPath: video.path) else { throw ValidationError("--video \(video.path) does not exist") }
        let dataFolder = folder.appendingPathComponent("data")
        if !FileManager.default.fileExists(atPath: dataFolder.appendingPathComponent("meta.json").path) {
            let (rate, native) = try FineTuning.importFrameRate(of: video, until: FineTuning.Stage(rawValue: until)!)
            let size = try SpeakerMeta.read(baseBundle().appendingPathComponent("meta.json")).imageSize
            let resampling = rate.map { " at \(Int($0)) fps (the video has \(String(format: "%.2f", native)))" } ?? ""
            logger.info("preparing \(video.lastPathComponent) into \(dataFolder.path)\(resampling): face tracking, \(size)×\(size) crops, head pose")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var bars: [String: ProgressBar] = [:]
            let report = try DatasetPreparation.prepare(
                video: video, out: dataFolder, options: .init(size: size, frameRate: rate), tracker: try FaceTracker()
            ) { stage, done, total in
                let bar = bars[stage] ?? ProgressBar(stage)
                bars[stage] = bar
                bar.update(done, of: total)
            }
            logger.info("face detected in \(report.detected) of \(report.frames) frames, tracked in \(report.tracked), interpolated in \(report.interpolated)")
        }
        return dataFolder
    }
}
