import Autodiff
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import Datasets

/// A trained speech-to-latent model with its speech front end: speech file in, `Latents`
/// (z_sem and head pose per 25 fps frame) out, for `dae decode` to render.
public final class SpeechToLatentPredictor {
    public let model: SpeechToLatentModel
    public let extractor: SpeechFeatureExtractor
    public let modelURL: URL

    /// Loads the model `model` names: an s2l.h5 file or a folder holding one (`ModelFile`);
    /// config, weights and statistics, training state ignored. The front end is
    /// `audioEncoder` if given, else the one recorded in `run.json` beside the model, else
    /// log-mel; it must produce what the model reads.
    public init(model: URL, audioEncoder: URL? = nil) throws {
        let url = try ModelFile.speechToLatent.resolve(model)
        let config = try Checkpoint.config(SpeechToLatentConfig.self, from: url)
        self.model = try SpeechToLatentModel(config: config)
        try Checkpoint.load(into: self.model, from: url)
        modelURL = url
        var encoder = audioEncoder
        let info = url.deletingLastPathComponent().appendingPathComponent(SpeechToLatentTrainer.runInfoName)
        if encoder == nil, FileManager.default.fileExists(atPath: info.path) {
            encoder = try SpeechToLatentRunInfo.read(info).audioEncoder.map { URL(fileURLWithPath: $0) }
        }
        extractor = try SpeechFeatureExtractor(encoder.map { .wav2vec2(directory: $0) } ?? .logMel)
        guard extractor.featureDimension == config.featureDimension, extractor.featureLayers == config.featureLayers,
              extractor.featureRate == config.featureRate else {
            let front = encoder.map { "the audio encoder \($0.path)" } ?? "log-mel"
            throw MediaIOError(.invalidArgument, file: url, "the model reads \(config.featureLayers)×\(config.featureDimension) features at \(config.featureRate) Hz; "
                                  + "\(front) gives \(extractor.featureLayers)×\(extractor.featureDimension) at \(extractor.featureRate) Hz (pass the model's --audio-encoder)")
        }
    }

    /// Frames per second of the predicted latents.
    public var frameRate: Int { model.config.frameRate }

    /// z_sem (T, Z) and pose (T, 3) in radians for the speech in `audio` (any length:
    /// chunked with overlap), T = ⌊duration · fps⌋. With `pose` (radians, at least T rows)
    /// the model is conditioned on it and it is returned as the pose.
    public func predict(audio: URL, pose: PoseTrack? = nil, poseFile: URL? = nil) throws -> Latents {
        let features = try extractor(file: audio)
        let frames = model.frameCount(featureFrames: features.size(-2))
        guard frames > 0 else { throw MediaIOError(.emptyAudio, file: audio, "too short for one video frame") }
        var source = PoseSource.predicted
        if let pose {
            guard pose.count >= frames else {
                let name = poseFile?.path ?? "the pose sequence"
                throw DatasetError.mismatch("\(name) has \(pose.count) rows; the speech in \(audio.path) needs \(frames) (one per frame at \(frameRate) fps)")
            }
            source = .given(SpeechTrainingData.degrees(yaw: pose.yaw, pitch: pose.pitch, roll: pose.roll, frames: frames))
        }
        let (latents, degrees) = try model.predict(features: features, pose: source)
        let radians = degrees * (Float.pi / 180)
        return Latents(zSem: latents, frames: Array(0..<latents.size(0)), pose: radians, attributes: [
            "fps": String(frameRate), "source": "talkingface s2l predict", "audio": audio.path, "model": modelURL.path,
        ])
    }
}
