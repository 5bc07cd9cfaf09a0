import Foundation
import MediaIO
import NeuralNetworks

/// Wav2Vec2 or HuBERT (both share this architecture), inference only, reading Hugging Face
/// checkpoints: waveform → every hidden state, as transformers' `output_hidden_states=True`.
///
///     let encoder = try SpeechEncoder(directory: url)       // config.json + model.safetensors
///     let output = encoder(waveform)         // hiddenStates: layers + 1 tensors (N, T, D)
///
/// Keys are those of `Wav2Vec2Model` / `HubertModel`'s state dict: `feature_extractor.*`,
/// `feature_projection.*`, `encoder.*`. No dropout and no masking: one unpadded clip
/// (or a batch of equal-length clips).
public final class SpeechEncoder: Module {
    public let configuration: SpeechEncoderConfiguration
    let featureExtractor: FeatureEncoder
    let featureProjection: FeatureProjection
    let encoder: TransformerEncoder

    /// Random weights (PyTorch's default initialisers): for benchmarks and tests.
    public init(_ configuration: SpeechEncoderConfiguration, rng: inout RandomGenerator) throws {
        try configuration.validate(nil)
        self.configuration = configuration
        featureExtractor = FeatureEncoder(configuration, rng: &rng)
        featureProjection = FeatureProjection(configuration, rng: &rng)
        encoder = TransformerEncoder(configuration, rng: &rng)
        super.init()
        eval()
    }

    /// Reads `config.json` and `model.safetensors` from a Hugging Face model directory.
    public convenience init(directory: URL) throws {
        let configuration = try SpeechEncoderConfiguration.read(directory.appendingPathComponent("config.json"))
        var rng = RandomGenerator(seed: 0)  // every weight is overwritten below
        try self.init(configuration, rng: &rng)
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        let weights = try Self.encoderWeights(SafeTensors.read(weightsURL, skippingNonFloat: true))
        try requireFinite(weights, in: weightsURL)
        do {
            try update(parameters: weights.merging(missingBufferDefaults(in: weights)) { given, _ in given })
        } catch let error as ParameterUpdateError {
            throw MediaIOError(.unsupported, file: weightsURL, "does not fit the \(configuration.modelType) configuration in config.json: \(error)")
        }
    }

    /// What transformers returns with `output_hidden_states=True` (version 5).
    public struct Output {
        /// layers + 1 tensors (N, T, D): the transformer input, then each layer's output.
        public let hiddenStates: [Tensor]
        /// (N, T, D): the last layer's output, after the final LayerNorm in the
        /// stable-layer-norm layout (where transformers 4 also put it last in `hiddenStates`).
        public let lastHiddenState: Tensor
    }

    /// Number of hidden states the encoder returns: layers + 1.
    public var stateCount: Int { configuration.numHiddenLayers + 1 }

    /// waveform (N, L) at 16 kHz → hidden states (N, T, D), T = `configuration.frameCount(samples: L)`.
    /// Runs without recording gradients (the encoder is a fixed feature extractor).
    public func callAsFunction(_ waveform: Tensor) -> Output {
        precondition(waveform.rank == 2, "waveform must be (N, L), got \(waveform.shape)")
        precondition(configuration.frameCount(samples: waveform.size(1)) > 0,
                     "\(waveform.size(1)) samples are shorter than the feature extractor's receptive field")
        return withoutGradients {
            let (states, last) = encoder(featureProjection(featureExtractor(waveform)))
            return Output(hiddenStates: states, lastHiddenState: last)
        }
    }

    // MARK: - Checkpoint keys

    /// The encoder's tensors from a checkpoint's state dict: a task model's prefix
    /// ("wav2vec2." / "hubert.", with heads such as `lm_head` left out) is removed, the
    /// newer parametrized weight-norm names become `weight_g` / `weight_v`, and the
    /// pre-training mask embedding (unused at inference) is dropped.
    static func encoderWeights(_ state: [String: Tensor]) -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        let prefix = ["wav2vec2.", "hubert."].first { p in state.keys.contains { $0.hasPrefix(p) } }
        for (key, tensor) in state {
            var name = key
            if let prefix {
                guard name.hasPrefix(prefix) else { continue }  // a head: not part of the encoder
                name.removeFirst(prefix.count)
            }
            if name == "masked_spec_embed" { continue }
            name = name.replacingOccurrences(of: "parametrizations.weight.original0", with: "weight_g")
                .replacingOccurrences(of: "parametrizations.weight.original1", with: "weight_v")
            weights[name] = tensor
        }
        return weights
    }

    /// BatchNorm's `num_batches_tracked` is int64 in checkpoints (skipped when reading) and
    /// unused at inference: supply it when absent.
    private func missingBufferDefaults(in weights: [String: Tensor]) -> [String: Tensor] {
        var defaults: [String: Tensor] = [:]
        for (key, tensor) in namedBuffers() where key.hasSuffix("num_batches_tracked") && weights[key] == nil {
            defaults[key] = tensor
        }
        return defaults
    }
}
