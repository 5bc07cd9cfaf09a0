import ArgumentParser
import Foundation
import Logging
import NeuralNetworks
import SpeechToLatent
import TalkingFace

struct SpeechToLatentTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train speech → z_sem (+ head pose) on speaker data sets and their latents.",
        discussion: """
        Each --data folder (frames/, audio.wav, meta.json at 25 fps, optional
        pose.csv) pairs with the --latents file in the same position: z_sem (N, Z)
        per frame, as `talkingface dae encode` writes it. Speech features (log-mel,
        or the --audio-encoder's layers) are computed once and cached in
        DATA/cache/. The last 10 % of every recording (after a 1 s gap) is held
        out; z_sem and pose statistics come from the rest. Pose labels are read in
        radians and modelled in degrees.

        Writes RUN/s2l.h5 (model and training state: every --checkpoint-every
        steps, at the end and on Ctrl-C or SIGTERM, which then exit with status 130
        or 143; a second signal quits at once),
        RUN/run.json, and RUN/eval.json with the held-out scores: z_sem cosine
        similarity, normalised MSE and pose MAE in degrees.

        --recipe FILE.json gives the settings with snake_case keys (a flag wins over it): \
        preset, steps, batch, lr, seed and checkpoint_every as the flags, and
          warmup        warm-up steps (a tenth of the run, at most 1000)
          gradient_clip global gradient-norm clip (1)
          held_out      fraction of each recording held out at its end (0.1)
          gap_seconds   the gap before it (1)
          initial       an s2l.h5 of the same configuration to start from
        RUN/run.json's "options" has the same form.

        Under `mpirun -np N` the training is data-parallel, as `dae train --help` tells: --batch is \
        the global batch (a multiple of N), --lr is not scaled, rank 0 writes. BatchNorm normalises \
        each rank's windows by their own statistics, so N ranks come close to, but not exactly to, \
        one process's steps.

        Examples:
          talkingface s2l train --data data/spk0 --latents spk0.h5 --out runs/s2l
          talkingface s2l train --data d0 --latents l0.h5 \\
              --data d1 --latents l1.h5 --out runs/s2l --steps 40000
          talkingface s2l train --data d0 --latents l0.h5 --out runs/s2l --resume
          echo '{"preset": "cpu", "warmup": 300, "checkpoint_every": 100}' > s2l.json
          talkingface s2l train --data d0 --latents l0.h5 --out runs/s2l \\
              --recipe s2l.json --steps 3000 --seed 1
        """)

    @Option(help: "A speaker data set folder (repeat for several speakers).") var data: [String] = []
    @Option(help: "The latents file of the --data in the same position (repeat).") var latents: [String] = []
    @Option(help: "Run folder (created).") var out: String
    @Option(help: "Model size: cpu (default), diffdub or tiny (smoke tests).") var preset: String?
    @Option(parsing: .unconditional, help: "Optimizer steps in total (default 20000).") var steps: Int?
    @Option(parsing: .unconditional, help: "Windows per batch, over all ranks under mpirun (default 8).") var batch: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate (after warm-up; cosine decay to 10 %; default 1e-4).") var lr: Double?
    @Option(parsing: .unconditional, help: "Random seed (weights, data order, windows; default 0).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Save a checkpoint every N steps (default 500).") var checkpointEvery: Int?
    @Option(help: "A training recipe (JSON): defaults for these flags and the rest of the settings (fields above).")
    var recipe: String?
    @Flag(help: "Continue RUN/s2l.h5 where it stopped (same data; up to --steps).") var resume = false
    @Option(help: "A Hugging Face Wav2Vec2/HuBERT folder (config.json, model.safetensors); default: log-mel.")
    var audioEncoder: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data DIR with its --latents FILE") }
        guard data.count == latents.count else {
            throw ValidationError("\(data.count) --data folders but \(latents.count) --latents files; give one latents file per data set, in the same order")
        }
        if let preset, SpeechToLatentPreset(rawValue: preset) == nil {
            throw ValidationError("--preset must be one of \(SpeechToLatentPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try OptionRange.check("--steps", steps, atLeast: 1)
        try OptionRange.check("--batch", batch, atLeast: 1)
        try OptionRange.check("--lr", lr, .above(0))
        try OptionRange.check("--checkpoint-every", checkpointEvery, atLeast: 1)
    }

    /// The recipe's settings (or the defaults) with the flags given over them.
    private func trainingOptions() throws -> SpeechToLatentTrainingOptions {
        var options = try recipe.map { try RecipeFile.read(SpeechToLatentTrainingOptions.self, from: $0).value }
            ?? SpeechToLatentTrainingOptions()
        if let preset { options.preset = SpeechToLatentPreset(rawValue: preset)! }
        if let steps { options.steps = steps }
        if let batch { options.batchSize = batch }
        if let lr { options.learningRate = lr }
        if let seed { options.seed = seed }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        options.initialWeights = options.initialWeights.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        do { try options.validate() } catch let error as RecipeError { throw recipe.map { error.inFile($0) } ?? error }
        return options
    }

    func run() throws {
        let options = try trainingOptions()
        // Rank 0 owns the run folder; the other ranks only read it (a resume) and train.
        guard Ranks.communicator.isRoot else { return try train(options) }
        let target = try output.target(out, kind: .trainingRun(markers: [SpeechToLatentTrainer.runInfoName], worthKeeping: [SpeechToLatentTrainer.checkpointName]),
                                       inputs: [recipe, audioEncoder, options.initialWeights] + (data + latents).map(Optional.some))
        try target.writeInPlace { try train(options) }
    }

    private func train(_ options: SpeechToLatentTrainingOptions) throws {
        let logger = Logger(label: "talkingface.s2l")
        let encoder = audioEncoder.map { URL(fileURLWithPath: $0) }
        let extractor = try SpeechFeatureExtractor(encoder.map { .wav2vec2(directory: $0) } ?? .logMel)
        let trainingData = try SpeechTrainingData(
            sources: zip(data, latents).map { (URL(fileURLWithPath: $0), URL(fileURLWithPath: $1)) },
            extractor: extractor, heldOutFraction: options.heldOutFraction, gapSeconds: options.gapSeconds,
            log: { logger.info("\($0)") })
        let config = (options.preset ?? .cpu).config(
            featureDimension: trainingData.featureDimension, featureLayers: trainingData.featureLayers,
            featureRate: trainingData.featureRate, latentDimension: trainingData.latentDimension)
        let trainer = try SpeechToLatentTrainer(data: trainingData, config: config, options: options,
                                                runFolder: URL(fileURLWithPath: out), resume: resume, audioEncoder: encoder,
                                                communicator: Ranks.communicator)
        let frames = trainingData.speakers.reduce(0) { $0 + $1.train.count }
        let heldOut = trainingData.speakers.reduce(0) { $0 + $1.heldOut.count }
        let summary = "\(trainingData.speakers.count) speaker(s): \(frames) training frames, \(heldOut) held out; "
            + "\(trainer.model.parameterCount) parameters; starting at step \(trainer.loop.step) of \(options.steps)"
        logger.info("\(summary)")
        let line = TrainingProgressLine(label: "s2l")
        let result: TrainingResult
        do {
            result = try trainer.train { line.update($0) }
        } catch {
            line.finish()
            throw error
        }
        line.finish()
        if result.interrupted {
            logger.info("stopped at step \(result.step); continue with the same command and --resume")
            throw ExitCode.interrupted
        }
        guard Ranks.communicator.isRoot else { return }
        let evaluation = try trainer.evaluate()
        print(evaluation.table())
        logger.info("wrote \(trainer.checkpointURL.path) and \(URL(fileURLWithPath: out).appendingPathComponent(SpeechToLatentTrainer.evaluationName).path)")
    }
}
