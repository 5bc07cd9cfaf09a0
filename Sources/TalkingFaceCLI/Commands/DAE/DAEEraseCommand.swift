import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging
import TalkingFace
import Disentanglement

struct DAEEraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Make a split_erasure model's erasure exact on its training frames.",
        discussion: """
        Encodes the training part of every --data folder (the trainer's split: the last \
        --held-out fraction after a 1 s gap is left out), fits the linear erasure of the pose \
        and the speaker from z_exp on all of them, folds it into the encoder and writes the \
        model to --out, with its split beside it (OUT.split.json). Give the data sets in the \
        order the model was trained on. A run folds in an erasure from running moments, which \
        lag a z_exp that keeps moving; this one leaves z_exp no linear covariance with pose or \
        speaker on those frames.

        Examples:
          talkingface dae erase --model runs/split/dae --data data/synth/speaker_00 \\
            --data data/synth/speaker_01 --out runs/split/dae_erased.h5
        """)

    @Option(help: ModelFile.dae.help) var model: String
    @Option(help: "A speaker data set with pose.csv; repeat, in the training order.") var data: [String] = []
    @Option(parsing: .unconditional, help: ArgumentHelp("The latent split (default: the model's MODEL.split.json).", valueName: "ID,POSE,EXP"))
    var split: String?
    @Option(parsing: .unconditional, help: "The fraction of each data set held out at its end (as the training recipe's held_out).")
    var heldOut: Double = 0.1
    @Option(parsing: .unconditional, help: "Use every N-th training frame.") var stride: Int = 1
    @Option(help: "The model file to write (.h5).") var out: String
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if data.isEmpty { throw ValidationError("give at least one --data folder") }
        try OptionRange.check("--stride", stride, atLeast: 1)
        try OptionRange.check("--held-out", heldOut, .atLeast(0), .below(1))
        try DAEArguments.checkSplit(split)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.dae.erase")
        let modelURL = try ModelFile.dae.resolve(model)
        let target = try output.target(out, kind: .autoencoderFile, inputs: [modelURL.path, LatentSplit.sidecar(of: modelURL).path] + data)
        let network = try DiffAE.load(checkpoint: modelURL)
        guard let latentSplit = try DAEArguments.latentSplit(split, of: modelURL, width: network.config.zSemChannels) else {
            throw ValidationError("\(modelURL.path) has no \(LatentSplit.sidecar(of: modelURL).lastPathComponent); give --split ID,POSE,EXP")
        }
        let datasets = try data.map(DAEArguments.dataset)
        let bar = ProgressBar("encode")
        let result = try SplitErasureCalibration.calibrate(model: network, datasets: datasets, split: latentSplit,
                                                          heldOutFraction: heldOut, stride: stride) { bar.update($0, of: $1) }
        try target.writeInPlace {
            try network.save(to: target.url)
            try latentSplit.write(to: LatentSplit.sidecar(of: target.url))
        }
        logger.info("erased \(result.directions) directions of z_exp (\(String(format: "%.2f", 100 * result.removedShare)) % of its variance) over \(result.frames) training frames → \(out)")
    }
}
