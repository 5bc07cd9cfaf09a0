import ArgumentParser
import Foundation
import Logging
import TalkingFace
import Datasets

/// `talkingface bundle`: trained DAE + speech-to-latent model → a speaker bundle.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Assemble a speaker bundle from a trained DAE and speech-to-latent model.",
        discussion: """
        Takes the DAE (`dae train`'s run folder or its dae.h5), the speech-to-latent model \
        (`s2l train`'s run folder or its s2l.h5) and the data set they learned, inverts one \
        frame to the shared noise start x_T over --steps DDIM steps (the bundle's default \
        decode steps), and writes OUT/dae.h5, s2l.h5, reference.h5 and meta.json. By default the reference is the \
        training frame whose z_sem is nearest the mean (needs --latents from `dae encode`).

        Examples:
          talkingface bundle --dae runs/dae/dae.h5 --s2l runs/s2l/s2l.h5 \\
              --data data/synth/speaker_00 --latents runs/dae/latents.h5 --out Weights/default
          talkingface bundle --dae runs/dae/dae.h5 --s2l runs/s2l/s2l.h5 \\
              --data data/me --reference-frame 120 --steps 10 --float32 --out runs/me-speaker
        """)

    @Option(help: ModelFile.dae.help) var dae: String
    @Option(help: ModelFile.speechToLatent.help) var s2l: String
    @Option(help: "The speaker data set the models were trained on.") var data: String
    @Option(help: "Its latents (dae encode), to pick the most typical reference frame.") var latents: String?
    @Option(parsing: .unconditional, help: "The reference frame (instead of the most typical one).") var referenceFrame: Int?
    @Option(parsing: .unconditional, help: "DDIM steps: the inversion's and the bundle's default for decoding.") var steps = 20
    @OptionGroup var inversion: InversionRefinements
    @Option(help: "The speaker's name (default: the output folder's name).") var name: String?
    @Option(help: "A note on how the models were made, stored in meta.json (repeat: KEY=VALUE).") var madeBy: [String] = []
    @Flag(help: "Keep the model weights in float32 (default float16: half the size).") var float32 = false
    @Option(help: "The bundle folder to write (replaced as a whole once complete).") var out: String
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.checkDDIMSteps(steps)
        try OptionRange.check("--reference-frame", referenceFrame, atLeast: 0)
        guard latents != nil || referenceFrame != nil else {
            throw ValidationError("give --latents (to pick the most typical frame) or --reference-frame N")
        }
        for note in madeBy where !note.contains("=") { throw ValidationError("--made-by '\(note)': expected KEY=VALUE") }
    }

    func run() throws {
        let logger = Logger(label: "talkingface.bundle")
        let (daeURL, s2lURL) = try (ModelFile.dae.resolve(dae), ModelFile.speechToLatent.resolve(s2l))
        let target = try output.target(out, kind: .speakerBundle, inputs: [daeURL.path, s2lURL.path, data, latents])
        let dataset = try SpeakerDataset(at: URL(fileURLWithPath: data))
        let reference = try referenceFrame ?? Speaker.typicalTrainingFrame(latentsFile: URL(fileURLWithPath: latents!), of: dataset)
        var notes: [String: String] = ["dae": daeURL.path, "s2l": s2lURL.path, "data": data, "reference_frame": String(reference)]
        for note in madeBy {
            let parts = note.split(separator: "=", maxSplits: 1)
            notes[String(parts[0])] = String(parts[1])
        }
        let folder = URL(fileURLWithPath: out)
        logger.info("inverting frame \(reference) of \(data) to the shared x_T (\(steps) steps)")
        let speaker = try Speaker.assemble(
            dae: daeURL, s2l: s2lURL, dataset: dataset, referenceFrame: reference,
            steps: steps, refinements: inversion.refinements, name: name ?? folder.lastPathComponent, madeBy: notes)
        try target.writeInPlace { try speaker.write(to: folder, precision: float32 ? .float32 : .float16) }
        logger.info("wrote \(folder.path) (\(Speaker.files.joined(separator: ", ")))")
    }
}
