import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import MediaIO
import TalkingFace

struct DAEReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Encode and decode frames both ways; a side-by-side strip and PSNR/SSIM.",
        discussion: """
        Each frame goes (1) through its own z_sem and x_T (stochastic encode → decode: near \
        exact for a trained model) and (2) through z_sem alone with the reference frame's x_T \
        shared by all (how generated z_sem are decoded). Writes OUT/strip.png (rows: original, \
        stochastic, z_sem only), the frames under OUT/original, OUT/stochastic, OUT/semantic \
        (for `talkingface eval`) and OUT/metrics.json; prints mean PSNR and SSIM of both.

        Examples:
          talkingface dae reconstruct --model runs/dae --data data/synth/speaker_00 \\
            --out recon
          talkingface dae reconstruct --model runs/dae/dae.h5 --data data/synth/speaker_00 \\
            --frames 0:16 --out recon --steps 50
        """)

    @Option(help: ModelFile.dae.help) var model: String
    @Option(help: "The speaker data set folder.") var data: String
    @Option(parsing: .unconditional, help: "Frames: START:END (END excluded), all, train or held-out (default: the first 16 held-out frames).")
    var frames: String?
    @Option(help: "Output folder (created).") var out: String
    @Option(parsing: .unconditional, help: "DDIM steps for encoding and decoding (2 or more).") var steps: Int = 20
    @OptionGroup var inversion: InversionRefinements
    @Option(parsing: .unconditional, help: "The frame whose x_T every frame shares in the z_sem-only decode.") var referenceFrame: Int = 0
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.checkDDIMSteps(steps)
        try OptionRange.check("--reference-frame", referenceFrame, atLeast: 0)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.dae.reconstruct")
        let target = try output.target(out, kind: .reconstruction, inputs: [try ModelFile.dae.resolve(model).path, data])
        let network = try DAEArguments.loadModel(model)
        let dataset = try DAEArguments.dataset(data)
        let selected = try frames.map { try DAEArguments.frames($0, in: dataset) }
            ?? Array(dataset.split().heldOut.prefix(16))
        guard !selected.isEmpty else { throw ValidationError("no frames selected (the data set has no held-out part; give --frames)") }
        logger.info("reconstructing frames \(selected.first!)…\(selected.last!) of \(data) (\(steps) steps, \(inversion.refinements) refinements, reference frame \(referenceFrame))")
        let bar = ProgressBar("reconstruct")
        let result = try FaceAutoencoding.reconstruct(model: network, dataset: dataset, frames: selected, steps: steps,
                                                      refinements: inversion.refinements, referenceFrame: referenceFrame) { bar.update($0, of: $1) }
        let folder = target.url
        let (psnr, ssim) = (result.psnr, result.ssim)
        let metrics: [String: Any] = [
            "frames": selected, "steps": steps, "refinements": inversion.refinements, "reference_frame": referenceFrame,
            "stochastic": ["psnr": psnr.stochastic.isFinite ? psnr.stochastic : 999, "ssim": ssim.stochastic],
            "semantic": ["psnr": psnr.semantic.isFinite ? psnr.semantic : 999, "ssim": ssim.semantic],
            "z_sem_reliance": result.reliance.map { ["t": $0.t, "x0_error_own_z_sem": $0.own, "x0_error_other_z_sem": $0.other] },
        ]
        try target.writeWhole { staging in
            for (name, images) in [("original", result.originals), ("stochastic", result.stochastic), ("semantic", result.semantic)] {
                let sub = staging.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
                for (i, image) in images.enumerated() { try PNG.write(image.image8(), to: sub.appendingPathComponent(Video.frameName(i))) }
            }
            try PNG.write(result.strip().image8(), to: staging.appendingPathComponent("strip.png"))
            try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys])
                .writeAtomically(to: staging.appendingPathComponent("metrics.json"))
        }
        func row(_ name: String, _ a: String, _ b: String) -> String {
            name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(repeating: " ", count: Swift.max(0, 9 - a.count)) + a
                + String(repeating: " ", count: Swift.max(0, 8 - b.count)) + b
        }
        print(row("decode (\(selected.count) frames)", "PSNR dB", "SSIM"))
        print(row("stochastic (own z_sem and x_T)", String(format: "%.2f", psnr.stochastic), String(format: "%.4f", ssim.stochastic)))
        print(row("z_sem + reference x_T", String(format: "%.2f", psnr.semantic), String(format: "%.4f", ssim.semantic)))
        if !result.reliance.isEmpty {
            print("x̂0 error from x_t, own z_sem / another frame's (equal: z_sem is ignored)")
            for r in result.reliance { print(row("  t = \(r.t)", String(format: "%.4f", r.own), String(format: "%.4f", r.other))) }
        }
        logger.info("wrote \(folder.appendingPathComponent("strip.png").path) and metrics.json")
    }
}
