import Autodiff
import Foundation
import MediaIO
import SpeechToLatent
import Datasets

/// Audio → the feature sequence the speech-to-latent model reads, in its clip layout:
/// (T, F) for log-mel, (L, T, F) for the L hidden layers of a Wav2Vec2/HuBERT checkpoint
/// (mixed inside the model by its `LayerWeightedSum`).
///
/// An audio encoder runs on 20 s pieces, each given the few extra samples its receptive
/// field needs, so the pieces' frames join seamlessly on the global 50 Hz grid (attention
/// over a whole recording would need memory quadratic in its length). Each piece is
/// normalised on its own, as transformers normalises one utterance.
public final class SpeechFeatureExtractor {
    public let features: SpeechFeatures
    public let frontEnd: any SpeechFrontEnd

    public init(_ features: SpeechFeatures = .logMel) throws {
        self.features = features
        frontEnd = try features.makeFrontEnd()
        guard featureRate > 0 else {
            throw DatasetError.mismatch("the speech front end runs at \(frontEnd.frameRate) Hz; speech-to-latent needs a whole number")
        }
    }

    /// Feature frames per second (100 log-mel, 50 Wav2Vec2), as an integer.
    public var featureRate: Int {
        let rate = frontEnd.frameRate
        return rate == rate.rounded() ? Int(rate) : 0
    }
    public var featureDimension: Int { frontEnd.channels }
    public var featureLayers: Int { frontEnd.layerCount }

    /// Seconds of audio per audio-encoder pass.
    public var encoderPieceSeconds = 20.0

    /// Features of a file of any length and format MediaIO reads.
    public func callAsFunction(file url: URL) throws -> Tensor {
        if let encoder = frontEnd as? SpeechEncoderFrontEnd {
            let clip = try AudioFile.read(url, sampleRate: 16000)
            do { return try encode(clip.samples, with: encoder) } catch let error as MediaIOError where error.file == nil {
                throw MediaIOError(error.kind, file: url, error.reason)
            }
        }
        return stackLayers(try frontEnd.layers(ofFile: url))
    }

    /// Features of 16 kHz mono samples.
    public func callAsFunction(samples: [Float]) throws -> Tensor {
        if let encoder = frontEnd as? SpeechEncoderFrontEnd { return try encode(samples, with: encoder) }
        return stackLayers(try frontEnd.layers(of: samples))
    }

    /// Layers of (1, T, C) → (T, C) for one, (L, T, C) for several.
    private func stackLayers(_ layers: [Tensor]) -> Tensor {
        let (t, c) = (layers[0].size(-2), layers[0].size(-1))
        if layers.count == 1 { return layers[0].reshaped([t, c]) }
        return concat(layers.map { $0.reshaped([1, t, c]) }, dim: 0)
    }

    /// Pieces of P frames: piece k reads samples [k·P·hop, k·P·hop + P·hop + extra), where
    /// `extra` makes the conv stack return exactly P frames (its receptive field minus one hop).
    private func encode(_ samples: [Float], with encoder: SpeechEncoderFrontEnd) throws -> Tensor {
        let configuration = encoder.encoder.configuration
        let (pieceSamples, extra) = pieceLayout(of: encoder)
        let total = configuration.frameCount(samples: samples.count)
        guard samples.count > pieceSamples + extra else { return stackLayers(try encoder.layers(of: samples)) }
        var pieces: [Tensor] = []  // each (L, P, C)
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + pieceSamples + extra)
            if configuration.frameCount(samples: end - start) <= 0 { break }  // a tail shorter than one frame
            var piece = stackLayers(try encoder.layers(of: Array(samples[start..<end])))
            if piece.rank == 2 { piece = piece.reshaped([1] + piece.shape) }
            pieces.append(piece)
            start += pieceSamples
        }
        var joined = concat(pieces, dim: 1)
        joined = joined.slice(dim: 1, 0..<min(total, joined.size(1)))
        return joined.size(0) == 1 ? joined.reshaped([joined.size(1), joined.size(2)]) : joined
    }

    /// An encoder piece: P frames' worth of samples (P·hop), and the extra samples after
    /// them that make the conv stack return exactly P frames.
    func pieceLayout(of encoder: SpeechEncoderFrontEnd) -> (samples: Int, extra: Int) {
        let configuration = encoder.encoder.configuration
        let hop = configuration.samplesPerFrame
        let pieceFrames = max(1, Int(encoderPieceSeconds * 16000) / hop)
        let pieceSamples = pieceFrames * hop
        let extra = (0..<(8 * hop)).first { configuration.frameCount(samples: pieceSamples + $0) == pieceFrames } ?? 0
        return (pieceSamples, extra)
    }

    // MARK: - Cache

    /// What the cached features depend on: the audio file and the front end.
    func fingerprint(of audio: URL) -> String {
        func stamp(_ url: URL) -> String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(size)@\(modified)"
        }
        let front: String
        switch features {
        case .logMel: front = "logmel-\(featureDimension)-\(featureRate)"
        case .wav2vec2(let directory):
            front = "encoder:\(directory.standardizedFileURL.path):\(stamp(directory.appendingPathComponent("model.safetensors")))"
                + ":piece\(encoderPieceSeconds)"
        }
        return "\(stamp(audio)) \(front)"
    }

    /// The cache file for `audio` inside `folder`.
    func cacheURL(in folder: URL) -> URL {
        switch features {
        case .logMel: return folder.appendingPathComponent("speech-logmel.h5")
        case .wav2vec2(let directory): return folder.appendingPathComponent("speech-\(directory.standardizedFileURL.lastPathComponent).h5")
        }
    }

    /// The features of `audio`, from `cacheFolder` when an up-to-date copy is there,
    /// otherwise computed and stored there (a cache that cannot be written is only skipped).
    public func cachedFeatures(of audio: URL, cacheFolder: URL) throws -> (features: Tensor, fromCache: Bool) {
        let url = cacheURL(in: cacheFolder)
        let fingerprint = fingerprint(of: audio)
        if let stored = try? TensorFile.read(url), stored.attributes["fingerprint"] == fingerprint, let features = stored.tensors["features"] {
            return (features, true)
        }
        let features = try self(file: audio)
        try? FileManager.default.createDirectory(at: cacheFolder, withIntermediateDirectories: true)
        try? TensorFile.write(["features": features], attributes: ["fingerprint": fingerprint, "audio": audio.path], to: url)
        return (features, false)
    }
}
