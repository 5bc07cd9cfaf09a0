import ArgumentParser
import Foundation
import Logging
import MediaIO
import TalkingFace

/// `talkingface distill`: a speaker bundle → the same bundle with a one-step student decoder.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil a speaker bundle's DDIM decoder into a one-step student (real-time generate).",
        discussion: """
        Every frame starts from the bundle's one shared x_T, so its decoder is a deterministic \
        map z_sem → frame. Progressive distillation (Salimans & Ho 2022) learns it in one UNet \
        pass: the first teacher is DDIM over teacher_steps timesteps (below) spread evenly from x_T's \
        to 0; each round trains a student (started from its teacher's weights) to take one move \
        where the teacher took two, from the points of the teacher's trajectories, with the \
        target in closed form; the rounds halve the steps down to 1. The examples are the data \
        set's training frames (every frame_stride-th; the last 10 % after a 1 s gap stay out, as \
        in every trainer), as z_sem encoded from the frames and as predicted by the bundle's \
        speech model from their speech: the latents generate will hand the student.

        --out gets the bundle's files, student.h5 and a meta.json whose "student" entry names \
        its timesteps; `generate` then decodes with the student (--teacher: DDIM). The run \
        folder (--run, default OUT.run) holds distill.json, examples.h5 and per round \
        targets.h5, checkpoint.h5, loss.csv and student.h5. Ctrl-C or SIGTERM checkpoints \
        (exit status 130 or 143); --resume continues with the run's own settings (only --steps \
        and --checkpoint-every may change).

        --recipe FILE.json sets the research knobs (snake_case; a flag wins):
          teacher_steps      the first teacher's DDIM steps, a power of two (4)
          frame_stride       every k-th training frame gives an example (8)
          predicted_latents  also train on the speech model's z_sem (true)
          lr, warmup, ema, gradient_clip   (5e-5, 50, 0.995, 1)
          held_out, gap_seconds            the held-out end (0.1, 1)
          speaker, data, steps, batch, seed, checkpoint_every: as flags

        Examples:
          talkingface distill --speaker Weights/default --data data/synth/speaker_00 \\
              --out runs/default-student
          talkingface distill --speaker Weights/default --data data/synth/speaker_00 \\
              --out runs/default-student --resume
        """)

    @Option(help: "The speaker bundle to distil.") var speaker: String?
    @Option(help: "The speaker data set it was trained on (default: the data its meta.json records, when that folder exists).")
    var data: String?
    @Option(help: "The bundle to write: the input's files plus student.h5.") var out: String
    @Option(name: .customLong("run"), help: "The run folder (default: OUT.run).") var runPath: String?
    @Option(parsing: .unconditional, help: "Optimizer steps per round (default 1500).") var steps: Int?
    @Option(parsing: .unconditional, help: "Examples per step (default 8); under mpirun the global batch, split over the ranks.") var batch: Int?
    @Option(parsing: .unconditional, help: "Seed of the data order (default 0).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Checkpoint every N steps (default 100).") var checkpointEvery: Int?
    @Option(help: "A distillation recipe (JSON): the research settings, and defaults for these flags.") var recipe: String?
    @Flag(help: "Continue the run in the run folder from its checkpoint.") var resume = false
    @Flag(help: "Keep the student in float32 (default float16: half the size).") var float32 = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.check("--steps", steps, atLeast: 1)
        try OptionRange.check("--batch", batch, atLeast: 1)
        try OptionRange.check("--checkpoint-every", checkpointEvery, atLeast: 1)
        if !resume && speaker == nil && recipe == nil { throw ValidationError("give --speaker (the bundle to distil)") }
    }

    var runFolder: String { runPath ?? URL(fileURLWithPath: out).standardizedFileURL.path + ".run" }

    func run() throws {
        let logger = Logger(label: "talkingface.distill")
        let again = "talkingface distill --out \(out)\(runPath.map { " --run \($0)" } ?? "") --resume"
        let options = try resume ? resumedOptions() : newOptions()
        let ranks = Ranks.communicator
        // Rank 0 owns the run folder and the bundle; the other ranks only read and train.
        guard ranks.isRoot else {
            _ = try Distiller(options: options, run: URL(fileURLWithPath: runFolder), resume: resume, communicator: ranks).distil()
            return
        }
        let runTarget = try output.target(runFolder, option: "--run", kind: .trainingRun(markers: ["distill.json"], worthKeeping: ["examples.h5"]),
                                          inputs: [options.speaker, options.data, recipe])
        let bundleTarget = try output.target(out, kind: .speakerBundle, inputs: [options.speaker, options.data, runFolder, recipe])
        let distiller = try Distiller(options: options, run: URL(fileURLWithPath: runFolder), resume: resume, communicator: ranks)
        logger.info("distilling \(options.speaker) (\(distiller.speaker.meta.name)): DDIM \(options.teacherSteps) steps → \(options.rounds) rounds → 1 step, \(options.steps) steps each; run \(runFolder)")

        let line = TrainingProgressLine(label: "distill")
        var bar: ProgressBar?
        let student = try runTarget.writeInPlace {
            try stoppingOnSignals(logger, stopped: "stopped; continue with: \(again)") {
                try distiller.distil { event in
                    switch event {
                    case .examples(let note): logger.info("examples: \(note)")
                    case .targets(let round, let done, let total):
                        if done == 0 { bar = ProgressBar("round \(round) teacher targets") }
                        bar?.update(done, of: total)
                    case .started(_, let note): logger.info("\(note)")
                    case .training(_, let progress): line.update(progress)
                    case .finished(_, let note):
                        line.finish()
                        logger.info("\(note)")
                    }
                }
            }
        }
        guard let student else {
            line.finish()
            logger.info("stopped; continue with: \(again)")
            throw ExitCode.interrupted
        }
        try bundleTarget.writeWhole { staging in
            try distiller.writeBundle(student, to: staging, precision: float32 ? .float32 : .float16)
        }
        logger.info("wrote \(out) (\(Speaker.files.joined(separator: ", ")), \(DistilledStudent.file)): generate now decodes in \(student.timesteps.count) step(s)")
    }

    private func newOptions() throws -> DistillationOptions {
        var options = DistillationOptions(speaker: "", data: "")
        var fields: Set<String> = []
        if let recipe { (options, fields) = try RecipeFile.read(DistillationOptions.self, from: recipe) }
        if let speaker { options.speaker = speaker }
        if options.speaker.isEmpty { throw ValidationError("give --speaker (the bundle to distil), or speaker in the recipe") }
        if let data { options.data = data }
        if options.data.isEmpty {
            let recorded = (try? SpeakerMeta.read(URL(fileURLWithPath: options.speaker).appendingPathComponent(Speaker.metaFile)))?.madeBy["data"]
            var isFolder: ObjCBool = false
            guard let recorded, FileManager.default.fileExists(atPath: recorded, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("give --data: the speaker data set the bundle was trained on (its meta.json records none that exists here)")
            }
            options.data = recorded
        }
        if let steps { options.steps = steps }
        if let batch { options.batchSize = batch }
        if let seed { options.seed = seed }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        options.speaker = URL(fileURLWithPath: options.speaker).standardizedFileURL.path
        options.data = URL(fileURLWithPath: options.data).standardizedFileURL.path
        do { try options.validate() } catch let error as RecipeError {
            if let recipe, fields.contains(error.field) { throw error.inFile(recipe) }
            throw ValidationError(error.description)
        }
        return options
    }

    /// The run's own options, with --steps and --checkpoint-every applied.
    private func resumedOptions() throws -> DistillationOptions {
        let stored = URL(fileURLWithPath: runFolder).appendingPathComponent("distill.json")
        guard FileManager.default.fileExists(atPath: stored.path) else {
            throw ValidationError("--resume: \(stored.path) does not exist (nothing to resume; start without --resume)")
        }
        var options = try DistillationOptions.read(stored)
        if let steps { options.steps = steps }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        return options
    }
}
