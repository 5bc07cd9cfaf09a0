import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import MediaIO
import TalkingFace

struct DAEDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a latents file (from dae encode or s2l predict) to PNG frames.",
        discussion: """
        --noise encoded starts each frame from its own x_T (needs encode --stochastic) and \
        reconstructs it; reference starts every frame from the reference frame's x_T (z_sem \
        alone decides the frame); seed starts every frame from one Gaussian noise image \
        drawn with --seed. Default: encoded when the file has x_T, else reference. Frames are \
        written as OUT/00000.png … in the file's order, with OUT/frames.csv naming each one's \
        frame in the data set.

        Examples:
          talkingface dae decode --model runs/dae --latents zx.h5 --out decoded
          talkingface dae decode --model runs/dae --latents z.h5 --out decoded \\
            --noise seed --seed 3 --steps 50
        """)

    enum NoiseSource: String, ExpressibleByArgument, CaseIterable { case encoded, reference, seed }

    @Option(help: ModelFile.dae.help) var model: String
    @Option(help: "The latents file (from dae encode or s2l predict).") var latents: String
    @Option(help: "Output folder for the PNG frames (created).") var out: String
    @Option(help: "Starting noise: encoded, reference or seed.") var noise: NoiseSource?
    @Option(parsing: .unconditional, help: "Seed of the noise for --noise seed.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "DDIM sampling steps (2 or more).") var steps: Int = 20
    @Option(help: "Sampler: ddim (default) or dpm++ (DPM-Solver++(2M); one UNet pass per step, as DDIM).")
    var sampler: DiffusionSampler = .ddim
    @Option(parsing: .unconditional, help: "Frames per network batch.") var batch: Int = 32
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.checkDDIMSteps(steps)
        try OptionRange.check("--batch", batch, atLeast: 1)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.dae.decode")
        let target = try output.target(out, kind: .decodedFrames, inputs: [try ModelFile.dae.resolve(model).path, latents])
        let network = try DAEArguments.loadModel(model)
        let codes = try Latents.read(URL(fileURLWithPath: latents))
        let source: DecodeNoise
        switch noise ?? (codes.xT != nil ? .encoded : .reference) {
        case .encoded: source = .encoded
        case .reference: source = .reference
        case .seed: source = .seed(seed)
        }
        logger.info("decoding \(codes.count) frames from \(latents) (\(source), \(steps) \(sampler.rawValue) steps)")
        let bar = ProgressBar("decode")
        try target.writeWhole { folder in
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            try FaceAutoencoding.decode(model: network, latents: codes, noise: source, steps: steps, sampler: sampler, chunk: batch,
                                        progress: { bar.update($0, of: $1) }) { start, images in
                for (k, image) in images.enumerated() {
                    try PNG.write(image.image8(), to: folder.appendingPathComponent(Video.frameName(start + k)))
                }
            }
            var table = "index,frame\n"
            for (i, frame) in codes.frames.enumerated() { table += "\(i),\(frame)\n" }
            try Data(table.utf8).writeAtomically(to: folder.appendingPathComponent("frames.csv"))
        }
        logger.info("wrote \(codes.count) frames to \(out)")
    }
}
