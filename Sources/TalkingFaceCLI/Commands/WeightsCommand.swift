import ArgumentParser
import DiffusionAutoencoder
import Foundation
import Logging

/// `talkingface weights import`: official DiffAE weights → our checkpoint format.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Bring in pretrained weights.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a DiffAE checkpoint (converted to safetensors) as a diffusion autoencoder.",
            discussion: """
            The weights are mapped onto the matching preset (found from their shapes unless \
            named), every key and shape is checked, and an HDF5 checkpoint is written. \
            Convert the official .ckpt first (Python with torch and safetensors).

            Examples:
              python Scripts/convert_diffae_checkpoint.py last.ckpt ffhq128.safetensors
              talkingface weights import ffhq128.safetensors --out Weights/ffhq128/dae.h5
              talkingface weights import raw.safetensors --prefix model. --preset ffhq64 --out dae.h5
            """)

        @Argument(help: "The safetensors file written by Scripts/convert_diffae_checkpoint.py.") var checkpoint: String
        @Option(help: "Where to write the HDF5 checkpoint.") var out: String
        @Option(help: "Preset: \(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", ")) (default: from the shapes).")
        var preset: String?
        @Option(help: "Key prefix of the weight set to take, e.g. ema_model. or model. (default: bare keys, else EMA).")
        var prefix: String?
        @Flag(help: "Store float16 (half the size; for shipping, not for further training).") var float16 = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            let logger = Logger(label: "talkingface.weights")
            let target = try output.target(out, kind: .autoencoderFile, inputs: [checkpoint])
            var chosen: DiffAEPreset?
            if let preset {
                guard let p = DiffAEPreset(rawValue: preset) else {
                    throw ValidationError("unknown preset '\(preset)'; one of \(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                chosen = p
            }
            let (model, found) = try DiffAEImport.load(safetensors: URL(fileURLWithPath: checkpoint), preset: chosen, prefix: prefix)
            let counts = model.parameterCounts
            logger.info("\(checkpoint): DiffAE \(found.rawValue), \(counts.unet) UNet + \(counts.encoder) encoder parameters, every key and shape checked")
            try target.writeInPlace { try model.save(to: target.url, precision: float16 ? .float16 : .float32) }
            logger.info("wrote \(out)")
        }
    }
}
