import ArgumentParser
import Foundation
import Logging
import TalkingFace
import Datasets

struct SpeechToLatentPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Speech → z_sem and head pose per 25 fps frame, as a latents file for `dae decode`.",
        discussion: """
        Speech of any length (run in overlapping windows). Writes z_sem (T, Z),
        frames 0..<T and pose (T, 3, radians), T = ⌊25 · seconds⌋. With --pose the
        model follows that head motion (pose.csv: frame, yaw, pitch, roll; at
        least T rows) instead of its own prediction.

        Examples:
          talkingface s2l predict --model runs/s2l --audio speech.wav \\
              --out runs/s2l/speech_latents.h5
          talkingface s2l predict --model runs/s2l/s2l.h5 --audio speech.wav \\
              --pose pose.csv --out latents.h5
        """)

    @Option(help: ModelFile.speechToLatent.help) var model: String
    @Option(help: "Speech: any WAV/FLAC/OGG.") var audio: String
    @Option(help: "Head pose to use instead of the predicted one (pose.csv, radians).") var pose: String?
    @Flag(help: "--pose is in degrees.") var poseDegrees = false
    @Option(help: "The latents file to write.") var out: String
    @Option(help: "The Wav2Vec2/HuBERT folder the model was trained with (default: from RUN/run.json, else log-mel).")
    var audioEncoder: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let logger = Logger(label: "talkingface.s2l")
        let target = try output.target(out, kind: .latentsFile,
                                       inputs: [try ModelFile.speechToLatent.resolve(model).path, audio, pose, audioEncoder])
        let predictor = try SpeechToLatentPredictor(model: URL(fileURLWithPath: model), audioEncoder: audioEncoder.map { URL(fileURLWithPath: $0) })
        let poseURL = pose.map { URL(fileURLWithPath: $0) }
        let track = try poseURL.map { try PoseTrack.read($0, degrees: poseDegrees) }
        let latents = try predictor.predict(audio: URL(fileURLWithPath: audio), pose: track, poseFile: poseURL)
        try target.writeInPlace { try latents.write(to: target.url) }
        logger.info("wrote \(out): z_sem \(latents.zSem.shape), pose \(latents.pose?.shape ?? []) at \(predictor.frameRate) fps")
    }
}
