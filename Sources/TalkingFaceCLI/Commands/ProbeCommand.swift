import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import TalkingFace
import Datasets
import Disentanglement

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Disentanglement probes of a diffusion autoencoder's z_sem (docs/architecture.md §8).",
        discussion: """
        Encodes frames of one or more speaker data sets, fits ridge regressions from each \
        latent part (z_id, z_pose, z_exp, and the whole z_sem) to each ground-truth factor \
        group (identity, pose, expression) on the early part of every recording, and prints \
        the R² on the held-out end (split by time per speaker, 1 s gaps; λ per factor chosen \
        on a validation part). Also DCI disentanglement/completeness from the ridge weights, \
        and traversal grids: each part moved along its principal direction (±2σ), decoded \
        from the same x_T.

        The DAE is --model (a run folder or an .h5 file) or the one in the speaker bundle \
        --speaker. The split comes from --split, else from the .split.json beside the DAE's \
        .h5 file (dae.split.json beside dae.h5); a model trained without one is cut into \
        thirds for comparison.

        Outputs in --out: probe.txt (the table), probe.json, traversal_{id,pose,exp}.png.

        Examples:
          talkingface probe --model runs/dae --data data/synth/speaker_00 \\
              --data data/synth/speaker_01 --out runs/probe
          talkingface probe --model runs/dae/dae.h5 --data data/synth/speaker_00 \\
              --split 8,4,20 --out runs/probe
          talkingface probe --speaker Weights/default --data data/synth/speaker_00 \\
              --data data/synth/speaker_01 --out runs/probe_default
        """)

    @Option(help: ModelFile.dae.help) var model: String?
    @Option(help: "A speaker bundle folder: probe its DAE (instead of --model).") var speaker: String?
    @Option(help: "A speaker data set folder (repeat for several speakers; identity needs two or more).") var data: [String]
    @Option(parsing: .unconditional, help: "Latent part sizes ID,POSE,EXP (each at least 1, adding up to z_sem's width).")
    var split: String?
    @Option(help: "Output folder.") var out: String
    @Option(parsing: .unconditional, help: "At most this many frames per speaker (an even stride in time; at least 10).")
    var maxFrames = 400
    @Option(parsing: .unconditional, help: "Held-out (test) fraction at the end of each recording.") var heldOut = 0.2
    @Option(parsing: .unconditional, help: "Traversal rows (speakers' first held-out frames); 0 skips the grids.") var traversalRows = 3
    @Option(parsing: .unconditional, help: "Traversal columns (from −2σ to +2σ; at least 2).") var traversalSteps = 7
    @Option(parsing: .unconditional, help: "DDIM steps for the traversal's encoding and decoding (2 or more).") var steps = 20
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (model == nil) != (speaker == nil) else { throw ValidationError("give either --model (a DAE) or --speaker (a speaker bundle)") }
        var isFolder: ObjCBool = false
        if let speaker, FileManager.default.fileExists(atPath: speaker, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("--speaker \(speaker) is a file; --speaker takes a speaker bundle folder. Give a DAE's .h5 file with --model.")
        }
        if data.isEmpty { throw ValidationError("give at least one --data folder") }
        try DAEArguments.checkSplit(split)
        try OptionRange.check("--max-frames", maxFrames, atLeast: 10)
        try OptionRange.check("--held-out", heldOut, .above(0), .below(1))
        try OptionRange.check("--traversal-rows", traversalRows, atLeast: 0)
        try OptionRange.check("--traversal-steps", traversalSteps, atLeast: 2)
        try OptionRange.checkDDIMSteps(steps)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.probe")
        let checkpoint = try checkpointURL()
        let target = try output.target(out, kind: .probeReport, inputs: [checkpoint.path, speaker] + data.map(Optional.some))
        let network = try DiffAE.load(checkpoint: checkpoint)
        let width = network.config.zSemChannels

        let given = try DAEArguments.latentSplit(split, of: checkpoint, width: width)
        let latentSplit = given ?? LatentSplit.thirds(of: width), isThirds = given == nil
        if isThirds {
            logger.info("no --split and no \(LatentSplit.sidecar(of: checkpoint).lastPathComponent): probing z_sem cut into thirds (\(latentSplit))")
        }

        let datasets = try data.map { try SpeakerDataset(at: URL(fileURLWithPath: $0)) }
        let bars = ["encode": ProgressBar("encode"), "traverse": ProgressBar("traverse")]
        let report = try target.writeWhole { staging in
            try LatentProbe.run(
                model: network, datasets: datasets, split: latentSplit, splitIsThirds: isThirds,
                sampling: .init(maxFramesPerSpeaker: maxFrames, heldOutFraction: heldOut),
                traversal: TraversalOptions(rows: traversalRows, steps: traversalSteps, decodeSteps: steps),
                out: staging) { stage, done, total in bars[stage]?.update(done, of: total) }
        }
        print(report.table())
        logger.info("wrote \(out)/probe.json, probe.txt\(traversalRows > 0 ? " and traversal grids" : "")")
    }

    /// The DAE file: --model's, or the --speaker bundle's dae.h5.
    private func checkpointURL() throws -> URL {
        if let model { return try ModelFile.dae.resolve(model) }
        let bundle = URL(fileURLWithPath: speaker!)
        try Speaker.checkBundle(bundle)
        return bundle.appendingPathComponent(Speaker.daeFile)
    }
}
