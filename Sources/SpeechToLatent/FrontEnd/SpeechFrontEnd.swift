import Foundation
import MediaIO
import NeuralNetworks

/// Turns audio into the feature sequence the speech-to-latent model reads: one or more
/// layers of (1, T, C) frames at `frameRate`. With several layers (a Wav2Vec2/HuBERT
/// checkpoint) the model mixes them with a `LayerWeightedSum` of `layerCount` weights.
public protocol SpeechFrontEnd: AnyObject {
    /// Feature frames per second (100 for log-mel, 50 for Wav2Vec2/HuBERT).
    var frameRate: Double { get }
    /// C, the width of every layer.
    var channels: Int { get }
    /// How many layers `layers(of:)` returns.
    var layerCount: Int { get }
    /// Mono samples at 16 kHz → `layerCount` tensors (1, T, C).
    func layers(of samples: [Float]) throws -> [Tensor]
    /// The same for an audio file of any format MediaIO reads.
    func layers(ofFile url: URL) throws -> [Tensor]
}

/// Which front end to use: the built-in log-mel (default; no weights needed) or a user's
/// Wav2Vec2/HuBERT checkpoint directory (`--audio-encoder DIR`).
public enum SpeechFeatures: Equatable, Sendable {
    case logMel
    /// A Hugging Face Wav2Vec2 or HuBERT directory (config.json, model.safetensors).
    case wav2vec2(directory: URL)

    public func makeFrontEnd() throws -> any SpeechFrontEnd {
        switch self {
        case .logMel: LogMelFrontEnd()
        case .wav2vec2(let directory): try SpeechEncoderFrontEnd(directory: directory)
        }
    }
}

extension SpeechFrontEnd {
    /// The file's features as one (1, T, C) tensor: the only layer, or the layers mixed by
    /// `mixing` (required when there are several).
    public func features(ofFile url: URL, mixing: LayerWeightedSum? = nil) throws -> Tensor {
        let layers = try layers(ofFile: url)
        if layers.count == 1 { return layers[0] }
        guard let mixing else {
            preconditionFailure("\(layers.count) feature layers need a LayerWeightedSum to mix them")
        }
        return mixing(layers)
    }
}

/// The default front end: 80 log-mel bins at 100 Hz, one layer; files are streamed.
public final class LogMelFrontEnd: SpeechFrontEnd {
    public let spectrogram: LogMelSpectrogram

    public init(_ spectrogram: LogMelSpectrogram = LogMelSpectrogram()) { self.spectrogram = spectrogram }

    public var frameRate: Double { spectrogram.frameRate }
    public var channels: Int { spectrogram.configuration.mels }
    public var layerCount: Int { 1 }

    public func layers(of samples: [Float]) throws -> [Tensor] {
        let features = try spectrogram(samples)
        return [features.reshaped([1] + features.shape)]
    }

    public func layers(ofFile url: URL) throws -> [Tensor] { [try spectrogram.features(ofFile: url)] }
}

/// Every hidden state of a Wav2Vec2/HuBERT checkpoint at 50 Hz. The input is normalised
/// to zero mean and unit variance when the checkpoint's `preprocessor_config.json` says
/// `do_normalize` (transformers' default when that file is absent), as
/// `Wav2Vec2FeatureExtractor` does. A clip is encoded in one pass (attention memory grows
/// with the square of its length: minutes of audio should be cut into sentences first).
public final class SpeechEncoderFrontEnd: SpeechFrontEnd {
    public let encoder: SpeechEncoder
    public let normalisesInput: Bool

    public init(encoder: SpeechEncoder, normalisesInput: Bool) {
        self.encoder = encoder
        self.normalisesInput = normalisesInput
    }

    public convenience init(directory: URL) throws {
        let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
        var normalise = true
        if FileManager.default.fileExists(atPath: preprocessor.path) {
            let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: preprocessor)) as? [String: Any]
            guard let json else { throw MediaIOError(.corrupt, file: preprocessor, "not a JSON object") }
            normalise = (json["do_normalize"] as? Bool) ?? true
        }
        try self.init(encoder: SpeechEncoder(directory: directory), normalisesInput: normalise)
    }

    public var frameRate: Double { 16000 / Double(encoder.configuration.samplesPerFrame) }
    public var channels: Int { encoder.configuration.hiddenSize }
    public var layerCount: Int { encoder.stateCount }

    public func layers(of samples: [Float]) throws -> [Tensor] {
        guard encoder.configuration.frameCount(samples: samples.count) > 0 else {
            throw MediaIOError(.invalidArgument, file: nil,
                               "audio of \(samples.count) samples is too short for the \(encoder.configuration.modelType) feature extractor")
        }
        let input = normalisesInput ? Self.zeroMeanUnitVariance(samples) : samples
        return encoder(Tensor(shape: [1, input.count], values: input)).hiddenStates
    }

    public func layers(ofFile url: URL) throws -> [Tensor] {
        do {
            return try layers(of: AudioFile.read(url, sampleRate: 16000).samples)
        } catch let error as MediaIOError where error.file == nil {
            throw MediaIOError(error.kind, file: url, error.reason)
        }
    }

    /// transformers' `zero_mean_unit_var_norm`: (x − mean) / √(var + 1e-7).
    static func zeroMeanUnitVariance(_ x: [Float]) -> [Float] {
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(x.count)
        let scale = 1 / (variance + 1e-7).squareRoot()
        return x.map { Float((Double($0) - mean) * scale) }
    }
}
