import Foundation
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

/// Synthetic speech: 8 smooth feature channels at 100 Hz (sums of slow sinusoids); the
/// "z_sem" of a frame is a fixed nonlinear function of its features and its neighbours'
/// (so the model must use context), the pose a slow linear read-out in degrees.
private func syntheticClips(count: Int, frames: Int, seed: UInt64) -> [SpeechToLatentClip] {
    var rng = RandomGenerator(seed: 1234)  // the mapping is shared by all clips
    let mixing = Tensor.randn([6, 16], using: &rng) * 0.5      // (Z, 2F)
    let poseReadout = Tensor.randn([3, 8], using: &rng) * 8    // (P, F), degrees
    var data = RandomGenerator(seed: seed)
    return (0..<count).map { _ in
        let featureFrames = 4 * frames
        var values = [Float](repeating: 0, count: featureFrames * 8)
        for c in 0..<8 {
            let (f1, f2) = (0.02 + 0.2 * data.uniform(), 0.005 + 0.03 * data.uniform())
            let (p1, p2) = (6.28 * data.uniform(), 6.28 * data.uniform())
            for t in 0..<featureFrames {
                values[t * 8 + c] = sin(f1 * Float(t) + p1) + 0.5 * sin(f2 * Float(t) + p2)
            }
        }
        let features = Tensor(shape: [featureFrames, 8], values: values)
        // Per frame: mean of its 4 feature frames and of the previous frame's (F each).
        let perFrame = features.reshaped([frames, 4, 8]).mean(dims: [1])                      // (T, F)
        let previous = concat([perFrame.slice(dim: 0, 0..<1), perFrame.slice(dim: 0, 0..<(frames - 1))], dim: 0)
        let latents = tanh(linear(concat([perFrame, previous], dim: 1), mixing)) * 3 + 1       // (T, Z)
        let pose = linear(perFrame, poseReadout)                                              // (T, P)
        return SpeechToLatentClip(features: features, latents: latents, pose: pose)
    }
}

final class OverfitTests: XCTestCase {
    func testFitsASyntheticFeatureToLatentMappingTenfold() throws {
        try XCTSkipIf(isDebugBuild, "a speed claim: run in release (swift test -c release)")
        let clips = syntheticClips(count: 8, frames: 60, seed: 1)
        let model = try SpeechToLatentModel(config: .tiny(), seed: 7)
        model.latentStatistics = try LatentStatistics(samples: clips.map(\.latents))
        model.poseStatistics = try LatentStatistics(samples: clips.compactMap(\.pose))
        var batchRandom = RandomGenerator(seed: 3)
        let fixed = SpeechToLatentBatch.windows(from: clips, windowFrames: 60, stride: 4, using: &batchRandom)
        func evaluate() -> Float {
            model.eval()
            defer { model.train() }
            return withoutGradients { model.loss(fixed).total.item }
        }
        let initial = evaluate()

        let steps = 160
        let schedule = WarmupCosineSchedule(peak: 3e-3, warmupSteps: 20, totalSteps: steps, minimumRatio: 0.1)
        let loop = TrainingLoop(
            model: model, optimizer: AdamW(learningRate: 3e-3, weightDecay: 1e-4), learningRate: { schedule($0) },
            maxGradientNorm: 1, totalSteps: steps, config: model.config,
            generators: ["windows": RandomGenerator(seed: 4)], dataOrder: DataOrder(count: clips.count, seed: 5))
        let start = Date()
        try loop.run { context in
            let chosen = context.dataOrder!.next(4).map { clips[$0] }
            return model.loss(.windows(from: chosen, windowFrames: 50, stride: 4, using: &context.generators["windows"]!)).total
        }
        let seconds = Date().timeIntervalSince(start)
        let final = evaluate()
        print("speech-to-latent overfit: loss \(initial) → \(final) (\(initial / final)×) in \(steps) steps, \(seconds) s")
        XCTAssertLessThanOrEqual(final * 10, initial)
        XCTAssertLessThan(seconds, 20)
    }
}
