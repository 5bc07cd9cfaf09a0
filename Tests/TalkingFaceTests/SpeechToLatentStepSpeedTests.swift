import Foundation
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest

/// Speed of one speech-to-latent training step (forward, backward, clip, AdamW) at batch
/// 8 × 10 s windows of log-mel features (1000 × 80 in, 250 × 512 z_sem out), for the
/// `.cpu` and `.diffDub` models. Skipped unless TF_PERF=1; run in release:
/// `TF_PERF=1 swift test -c release -Xswiftc -enable-testing --filter TalkingFaceTests.SpeechToLatentStepSpeedTests`.
final class SpeechToLatentStepSpeedTests: XCTestCase {
    func stepsPerSecond(_ config: SpeechToLatentConfig, timedSteps: Int) throws -> (Double, Int) {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_PERF"] == "1", "set TF_PERF=1 to time")
        let model = try SpeechToLatentModel(config: config, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let (b, t) = (8, config.windowFrames)
        let batch = SpeechToLatentBatch(
            features: Tensor.randn([b, t * config.stride, config.featureDimension], using: &rng),
            latents: Tensor.randn([b, t, config.latentDimension], using: &rng),
            pose: Tensor.randn([b, t, config.poseDimension], using: &rng) * 10, lengths: Array(repeating: t, count: b))
        let loop = TrainingLoop(model: model, optimizer: AdamW(learningRate: 1e-4, weightDecay: 0), maxGradientNorm: 1,
                                totalSteps: 1, config: config)
        loop.handlesInterrupt = false
        try loop.run { _ in model.loss(batch).total }  // warm-up: buffers pooled, optimizer state allocated
        loop.totalSteps = 1 + timedSteps
        let start = Date()
        try loop.run { _ in model.loss(batch).total }
        return (Double(timedSteps) / Date().timeIntervalSince(start), model.parameterCount)
    }

    func testCPUPresetTrainingStep() throws {
        let (rate, parameters) = try stepsPerSecond(.cpu(), timedSteps: 5)
        print(String(format: "s2l .cpu training step, batch 8 × 10 s log-mel (%.1fM parameters): %.3f steps/s (%.0f ms/step)",
                     Double(parameters) / 1e6, rate, 1000 / rate))
    }

    func testDiffDubPresetTrainingStep() throws {
        let (rate, parameters) = try stepsPerSecond(.diffDub(), timedSteps: 3)
        print(String(format: "s2l .diffDub training step, batch 8 × 10 s log-mel (%.1fM parameters): %.3f steps/s (%.0f ms/step)",
                     Double(parameters) / 1e6, rate, 1000 / rate))
    }
}
