import Foundation
import MediaIO

extension DiffAE {
    /// Writes the weights and `config` to an HDF5 checkpoint (`Checkpoint` layout: DiffAE's
    /// keys, the configuration as JSON in the `config` attribute).
    public func save(to url: URL, precision: TensorFile.Precision = .float32) throws {
        try Checkpoint.save(module: self, config: config, to: url, precision: precision)
    }

    /// The model stored at `url` by `save` (or a trainer's checkpoint), in evaluation mode;
    /// every key and shape is checked against the stored configuration.
    public static func load(checkpoint url: URL) throws -> DiffAE {
        var rng = RandomGenerator(seed: 0)
        let model = DiffAE(config: try Checkpoint.config(DiffAEConfig.self, from: url), rng: &rng)
        try Checkpoint.load(into: model, from: url, verify: .all)
        return model.eval()
    }
}
