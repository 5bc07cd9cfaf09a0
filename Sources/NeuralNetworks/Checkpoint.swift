import Autodiff
import Foundation
import MediaIO

/// A checkpoint or shipped-weights file that cannot be used, naming the file and why.
public struct CheckpointError: Error, CustomStringConvertible, LocalizedError {
    public let file: URL
    public let reason: String
    public var description: String { "\(file.path): \(reason)" }
    public var errorDescription: String? { description }
}

/// Checkpoints: a module's state, its configuration and (optionally) training state in
/// one HDF5 file (`TensorFile`), written atomically.
///
/// Layout: the module's state-dict keys as they are (`blocks.0.attn.weight`, one HDF5 group
/// per module), the training state under `training_state.`, the configuration as JSON in
/// the root attribute `config`. Loading checks every key and shape before changing
/// anything, so a bad file never leaves a half-loaded model.
public enum Checkpoint {
    static let trainingPrefix = "training_state."
    static let configAttribute = "config"

    /// Writes `module`'s parameters and buffers, `config` and `trainingState` to `url`.
    /// `.float16` halves shipped weights; it refuses training state, which must stay exact.
    public static func save<Config: Encodable>(
        module: Module, config: Config, trainingState: TrainingState = TrainingState(), to url: URL,
        precision: TensorFile.Precision = .float32
    ) throws {
        if precision == .float16 && !trainingState.isEmpty {
            throw CheckpointError(file: url, reason: "training state must be saved as float32 for an exact resume; float16 is for shipped weights")
        }
        var tensors: [String: Tensor] = [:]
        for (key, value) in module.namedState() { tensors[key] = value }
        for (key, value) in trainingState.tensors { tensors[trainingPrefix + key] = value }
        var integers: [String: [Int64]] = [:]
        for (key, value) in trainingState.integers { integers[trainingPrefix + key] = value }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        try TensorFile.write(tensors, integers: integers, attributes: [configAttribute: json], to: url, precision: precision)
    }

    /// The configuration stored in `url`, to build the module before `load`; one that
    /// can check itself (`ValidatableConfig`) is checked before it is returned.
    public static func config<Config: Decodable>(_ type: Config.Type, from url: URL) throws -> Config {
        guard let json = try TensorFile.readAttributes(url)[configAttribute] else {
            throw CheckpointError(file: url, reason: "no '\(configAttribute)' attribute")
        }
        let config: Config
        do {
            config = try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw CheckpointError(file: url, reason: "attribute '\(configAttribute)' is not a valid \(type): \(error)")
        }
        do {
            try (config as? ValidatableConfig)?.validate()
        } catch {
            throw CheckpointError(file: url, reason: "attribute '\(configAttribute)' cannot build a model: \(error)")
        }
        return config
    }

    /// Loads the module state from `url` (all-or-nothing) and returns the training state.
    /// A NaN or ±∞ anywhere in the file is an error naming its key.
    @discardableResult
    public static func load(into module: Module, from url: URL, verify: VerifyUpdate = .all) throws -> TrainingState {
        let contents = try TensorFile.readContents(url)
        try requireFinite(contents.tensors, in: url)
        var weights: [String: Tensor] = [:]
        var training = TrainingState()
        for (key, value) in contents.tensors {
            if key.hasPrefix(trainingPrefix) {
                training.tensors[String(key.dropFirst(trainingPrefix.count))] = value
            } else {
                weights[key] = value
            }
        }
        for (key, value) in contents.integers {
            if key.hasPrefix(trainingPrefix) {
                training.integers[String(key.dropFirst(trainingPrefix.count))] = value
            } else {
                throw CheckpointError(file: url, reason: "'\(key)': integer dataset where a float tensor belongs")
            }
        }
        do {
            try module.update(parameters: weights, verify: verify)
        } catch let error as ParameterUpdateError {
            throw CheckpointError(file: url, reason: error.description)
        }
        return training
    }
}
