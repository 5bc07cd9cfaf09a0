import Foundation
import MediaIO

/// Why DiffAE weights cannot be imported, naming the file and the keys at fault.
public struct DiffAEImportError: Error, CustomStringConvertible, LocalizedError {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
    public var errorDescription: String? { description }
}

/// Official DiffAE checkpoints (converted to safetensors by Scripts/convert_diffae_checkpoint.py)
/// onto a `DiffAE` of the matching preset.
public enum DiffAEImport {
    /// The two weight sets of a DiffAE training checkpoint (LitModel `model` and `ema_model`).
    public static let checkpointPrefixes = ["ema_model.", "model."]

    /// Weights of DiffAE's latent DDIM (its unconditional sampler of z_sem), which our
    /// model does not have; dropped on import.
    public static let latentNetPrefix = "latent_net."

    /// The model's own tensors from a state dict: those under `prefix` with it removed; with
    /// no prefix given, keys taken as they are when they already look like a bare model
    /// (`encoder.…`), else the EMA weights, else the raw ones. Other entries of a training
    /// checkpoint (x_T, conds_mean, conds_std) and the latent DDIM's `latent_net.…` are dropped.
    public static func modelTensors(_ tensors: [String: Tensor], prefix: String? = nil) -> [String: Tensor] {
        func strip(_ p: String) -> [String: Tensor] {
            var out: [String: Tensor] = [:]
            for (key, value) in tensors where key.hasPrefix(p) {
                let bare = String(key.dropFirst(p.count))
                if !bare.hasPrefix(latentNetPrefix) { out[bare] = value }
            }
            return out
        }
        if let prefix { return strip(prefix) }
        if tensors.keys.contains(where: { $0.hasPrefix("encoder.") }) { return strip("") }
        for p in checkpointPrefixes {
            let stripped = strip(p)
            if !stripped.isEmpty { return stripped }
        }
        return tensors
    }

    /// The presets whose layout the tensors could be: same base width, time-embedding width,
    /// z_sem width and number of UNet and encoder blocks. (Image size is not in the weights;
    /// presets differing only there would both match.)
    public static func candidatePresets(for tensors: [String: Tensor]) -> [DiffAEPreset] {
        func blockCount(_ prefix: String) -> Int {
            Set(tensors.keys.compactMap { key -> Int? in
                guard key.hasPrefix(prefix) else { return nil }
                return Int(key.dropFirst(prefix.count).prefix { $0 != "." })
            }).count
        }
        let firstConv = tensors["input_blocks.0.0.weight"]?.shape
        let time = tensors["time_embed.time_embed.0.weight"]?.shape
        let zSem = tensors["encoder.out.3.weight"]?.shape
        return DiffAEPreset.allCases.filter { preset in
            let c = preset.config
            let levels = c.channelMult.count, encoderLevels = c.encoderChannelMult.count
            return firstConv?.first == c.channelMult[0] * c.channels
                && time == [c.embedChannels, c.channels]
                && zSem?.first == c.zSemChannels
                && blockCount("input_blocks.") == 1 + levels * c.resBlocks + levels - 1
                && blockCount("output_blocks.") == levels * (c.resBlocks + 1)
                && blockCount("encoder.input_blocks.") == 1 + encoderLevels * c.encoderResBlocks + encoderLevels - 1
        }
    }

    /// A DiffAE in evaluation mode holding the weights of the safetensors file at `url`:
    /// every key of the preset present, no unknown key, every shape equal — or an error
    /// listing what differs (nothing partial is returned).
    public static func load(safetensors url: URL, preset: DiffAEPreset? = nil, prefix: String? = nil)
        throws -> (model: DiffAE, preset: DiffAEPreset)
    {
        let tensors = modelTensors(try SafeTensors.read(url), prefix: prefix)
        try requireFinite(tensors, in: url)
        return try load(tensors, preset: preset, source: url.path)
    }

    public static func load(_ tensors: [String: Tensor], preset: DiffAEPreset? = nil, source: String = "weights")
        throws -> (model: DiffAE, preset: DiffAEPreset)
    {
        guard !tensors.isEmpty else { throw DiffAEImportError(file: source, reason: "no model tensors (wrong prefix?)") }
        let chosen: DiffAEPreset
        if let preset {
            chosen = preset
        } else {
            let candidates = candidatePresets(for: tensors)
            guard let first = candidates.first else {
                throw DiffAEImportError(file: source, reason: "the weights match no preset (\(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", "))); name one with --preset to see which keys differ")
            }
            guard candidates.count == 1 else {
                throw DiffAEImportError(file: source, reason: "the weights fit several presets (\(candidates.map(\.rawValue).joined(separator: ", "))); name one")
            }
            chosen = first
        }
        let model = DiffAE(preset: chosen).eval()
        do {
            try model.update(parameters: tensors, verify: .all)
        } catch let error as ParameterUpdateError {
            throw DiffAEImportError(file: source, reason: "not a DiffAE \(chosen.rawValue) checkpoint: \(error.description)")
        }
        return (model, chosen)
    }
}
