import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import TalkingFace

struct DAEEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode a data set's frames to z_sem (and x_T) in a latents file.",
        discussion: """
        Writes z_sem (N, Z); with --stochastic also each frame's x_T (N, 3, S, S) by DDIM \
        inversion over --steps; always the x_T of --reference-frame (reference_x_T, shared when \
        decoding from z_sem alone); the frame numbers, the pose (pose.csv) and, for synthetic \
        speakers, every factor of factors.h5 at those frames.

        Examples:
          talkingface dae encode --model runs/dae --data data/synth/speaker_00 \\
            --out z.h5
          talkingface dae encode --model runs/dae/dae.h5 --data data/synth/speaker_00 \\
            --out zx.h5 --stochastic --steps 20 --frames held-out
        """)

    @Option(help: ModelFile.dae.help) var model: String
    @Option(help: "The speaker data set folder.") var data: String
    @Option(help: "The latents file to write (.h5).") var out: String
    @Flag(help: "Also compute each frame's stochastic code x_T (DDIM inversion; 19 UNet passes per frame at 20 steps, times 1 + --refinements).")
    var stochastic = false
    @Option(parsing: .unconditional, help: "DDIM steps of the inversion (2 or more).") var steps: Int = 20
    @OptionGroup var inversion: InversionRefinements
    @Option(parsing: .unconditional, help: "Frames: START:END (END excluded), all, train or held-out.") var frames: String = "all"
    @Option(parsing: .unconditional, help: "The frame whose x_T is stored as reference_x_T.") var referenceFrame: Int = 0
    @Option(parsing: .unconditional, help: "Frames per network batch.") var batch: Int = 32
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.checkDDIMSteps(steps)
        try OptionRange.check("--reference-frame", referenceFrame, atLeast: 0)
        try OptionRange.check("--batch", batch, atLeast: 1)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.dae.encode")
        let target = try output.target(out, kind: .latentsFile, inputs: [try ModelFile.dae.resolve(model).path, data])
        let network = try DAEArguments.loadModel(model)
        let dataset = try DAEArguments.dataset(data)
        let selected = try DAEArguments.frames(frames, in: dataset)
        logger.info("encoding \(selected.count) frames of \(data)\(stochastic ? " with x_T (\(steps) steps)" : "")")
        let bar = ProgressBar("encode")
        var latents = try FaceAutoencoding.encode(
            model: network, dataset: dataset, frames: selected, stochastic: stochastic, steps: steps,
            refinements: inversion.refinements, referenceFrame: referenceFrame, chunk: batch) { bar.update($0, of: $1) }
        latents.attributes["model"] = model
        try target.writeInPlace { try latents.write(to: target.url) }
        let extras = [latents.pose == nil ? nil : "pose", latents.factors.isEmpty ? nil : "\(latents.factors.count) factors"].compactMap { $0 }
        logger.info("wrote \(out): z_sem \(latents.zSem.shape)\(latents.xT.map { ", x_T \($0.shape)" } ?? ""), reference_x_T of frame \(referenceFrame)\(extras.isEmpty ? "" : ", " + extras.joined(separator: ", "))")
    }
}
