import Foundation
import MediaIO

/// The fields of a Hugging Face Wav2Vec2 / HuBERT `config.json` that shape the encoder.
/// Missing fields take transformers' defaults (those of wav2vec2-base).
public struct SpeechEncoderConfiguration: Decodable, Sendable, Equatable {
    /// Where the first conv layer(s) normalise: "group" (base) or "layer" (large-lv60).
    public enum FeatureNorm: String, Decodable, Sendable { case group, layer }

    public var modelType = "wav2vec2"
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenAct = "gelu"
    public var layerNormEps: Float = 1e-5
    public var featExtractNorm = FeatureNorm.group
    public var featExtractActivation = "gelu"
    public var convDim = [512, 512, 512, 512, 512, 512, 512]
    public var convKernel = [10, 3, 3, 3, 3, 2, 2]
    public var convStride = [5, 2, 2, 2, 2, 2, 2]
    public var convBias = false
    public var numConvPosEmbeddings = 128
    public var numConvPosEmbeddingGroups = 16
    /// Pre-LN transformer with a final LayerNorm ("stable layer norm", large-lv60 layout).
    public var doStableLayerNorm = false
    /// HuBERT only: whether the feature projection starts with a LayerNorm.
    public var featProjLayerNorm = true
    /// HuBERT only: a BatchNorm before the positional conv instead of weight norm.
    public var convPosBatchNorm = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", featExtractNorm = "feat_extract_norm"
        case featExtractActivation = "feat_extract_activation", convDim = "conv_dim", convKernel = "conv_kernel"
        case convStride = "conv_stride", convBias = "conv_bias", numConvPosEmbeddings = "num_conv_pos_embeddings"
        case numConvPosEmbeddingGroups = "num_conv_pos_embedding_groups", doStableLayerNorm = "do_stable_layer_norm"
        case featProjLayerNorm = "feat_proj_layer_norm", convPosBatchNorm = "conv_pos_batch_norm"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.modelType, &modelType)
        try read(.hiddenSize, &hiddenSize)
        try read(.numHiddenLayers, &numHiddenLayers)
        try read(.numAttentionHeads, &numAttentionHeads)
        try read(.intermediateSize, &intermediateSize)
        try read(.hiddenAct, &hiddenAct)
        try read(.layerNormEps, &layerNormEps)
        try read(.featExtractNorm, &featExtractNorm)
        try read(.featExtractActivation, &featExtractActivation)
        try read(.convDim, &convDim)
        try read(.convKernel, &convKernel)
        try read(.convStride, &convStride)
        try read(.convBias, &convBias)
        try read(.numConvPosEmbeddings, &numConvPosEmbeddings)
        try read(.numConvPosEmbeddingGroups, &numConvPosEmbeddingGroups)
        try read(.doStableLayerNorm, &doStableLayerNorm)
        try read(.featProjLayerNorm, &featProjLayerNorm)
        try read(.convPosBatchNorm, &convPosBatchNorm)
    }

    /// Reads and checks `config.json`.
    public static func read(_ url: URL) throws -> SpeechEncoderConfiguration {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MediaIOError(.fileNotFound, file: url, "no config.json (a Hugging Face Wav2Vec2/HuBERT directory holds config.json and model.safetensors)")
        }
        let configuration: SpeechEncoderConfiguration
        do {
            configuration = try JSONDecoder().decode(SpeechEncoderConfiguration.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw MediaIOError(.corrupt, file: url, "not a readable model configuration: \(error)")
        }
        try configuration.validate(url)
        return configuration
    }

    /// Everything the Swift encoder cannot build, as one clear error.
    func validate(_ url: URL?) throws {
        var problems: [String] = []
        if !["wav2vec2", "hubert"].contains(modelType) { problems.append("model_type \"\(modelType)\" (wav2vec2 or hubert)") }
        if convDim.isEmpty || convDim.count != convKernel.count || convDim.count != convStride.count {
            problems.append("conv_dim, conv_kernel and conv_stride must be non-empty and of equal length")
        }
        // Sizes first: a zero divides, a huge one allocates gigabytes before any weight is read.
        let maxWidth = 16384, maxLayers = 128, maxKernel = 1024
        if !(1...maxWidth).contains(hiddenSize) { problems.append("hidden_size \(hiddenSize) (1…\(maxWidth))") }
        if !(1...maxWidth * 4).contains(intermediateSize) { problems.append("intermediate_size \(intermediateSize) (1…\(maxWidth * 4))") }
        if !(0...maxLayers).contains(numHiddenLayers) { problems.append("num_hidden_layers \(numHiddenLayers) (0…\(maxLayers))") }
        if convDim.count > maxLayers || !convDim.allSatisfy({ (1...maxWidth).contains($0) }) {
            problems.append("conv_dim \(convDim) (at most \(maxLayers) layers of 1…\(maxWidth) channels)")
        }
        if !convKernel.allSatisfy({ (1...maxKernel).contains($0) }) { problems.append("conv_kernel \(convKernel) (each 1…\(maxKernel))") }
        if !convStride.allSatisfy({ (1...maxKernel).contains($0) }) { problems.append("conv_stride \(convStride) (each 1…\(maxKernel))") }
        if !(1...maxKernel).contains(numConvPosEmbeddings) { problems.append("num_conv_pos_embeddings \(numConvPosEmbeddings) (1…\(maxKernel))") }
        if !(layerNormEps.isFinite && layerNormEps > 0) { problems.append("layer_norm_eps \(layerNormEps) (finite, > 0)") }
        if hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0 {
            problems.append("hidden_size \(hiddenSize) does not split into \(numAttentionHeads) heads")
        }
        if numConvPosEmbeddingGroups <= 0 || hiddenSize % numConvPosEmbeddingGroups != 0 {
            problems.append("hidden_size \(hiddenSize) does not split into \(numConvPosEmbeddingGroups) positional conv groups")
        }
        for (name, act) in [("hidden_act", hiddenAct), ("feat_extract_activation", featExtractActivation)]
        where Activation(rawValue: act) == nil {
            problems.append("\(name) \"\(act)\" (supported: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if !problems.isEmpty {
            throw MediaIOError(.unsupported, file: url, "unsupported configuration: " + problems.joined(separator: "; "))
        }
    }

    /// Encoder frames for `samples` input samples (the conv stack's output length).
    public func frameCount(samples: Int) -> Int {
        zip(convKernel, convStride).reduce(samples) { length, layer in max(0, (length - layer.0) / layer.1 + 1) }
    }

    /// Samples per encoder frame (320 for the standard extractor: 50 frames per second at 16 kHz).
    public var samplesPerFrame: Int { convStride.reduce(1, *) }
}
