import Foundation
import NeuralNetworks
import XCTest
import TestSupport

/// End to end: layers, tape, AdamW and the schedule train a small convolutional
/// autoencoder on generated images (coloured discs on coloured backgrounds, 32×32).
/// The loss on held-out images must fall ten-fold within 60 s (release build).
private final class DiscAutoencoder: Module {
    let encoder: Sequential
    let decoder: [any UnaryLayer]

    init(rng: inout RandomGenerator) {
        encoder = Sequential([
            Conv2d(3, 16, kernelSize: 3, stride: 2, padding: 1, rng: &rng), SiLU(),   // (N, 16, 16, 16)
            Conv2d(16, 32, kernelSize: 3, stride: 2, padding: 1, rng: &rng), SiLU(),  // (N, 32, 8, 8)
        ])
        decoder = [
            Conv2d(32, 16, kernelSize: 3, padding: 1, rng: &rng), SiLU(),  // after ×2: (N, 16, 16, 16)
            Conv2d(16, 3, kernelSize: 3, padding: 1, rng: &rng),           // after ×2: (N, 3, 32, 32)
        ]
    }

    func callAsFunction(_ images: Tensor) -> Tensor {
        let code = encoder(images)
        let hidden = decoder[1](decoder[0](upsampleNearest2d(code)))
        return decoder[2](upsampleNearest2d(hidden))
    }
}

/// (count, 3, 32, 32) in [0, 1]: a background colour and one or two discs.
private func discImages(_ count: Int, using rng: inout SplitMix64) -> Tensor {
    let size = 32, plane = size * size
    let images = Tensor(uninitializedShape: [count, 3, size, size])
    for n in 0..<count {
        let background = (0..<3).map { _ in Float.random(in: 0...0.4, using: &rng) }
        for c in 0..<3 { (images.pointer + (n * 3 + c) * plane).update(repeating: background[c], count: plane) }
        for _ in 0..<Int.random(in: 1...2, using: &rng) {
            let colour = (0..<3).map { _ in Float.random(in: 0.3...1, using: &rng) }
            let cx = Float.random(in: 6...26, using: &rng), cy = Float.random(in: 6...26, using: &rng)
            let radius = Float.random(in: 4...9, using: &rng)
            for y in 0..<size {
                for x in 0..<size where (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy) <= radius * radius {
                    for c in 0..<3 { images.pointer[(n * 3 + c) * plane + y * size + x] = colour[c] }
                }
            }
        }
    }
    return images
}

final class AutoencoderTests: XCTestCase {
    func testConvAutoencoderCutsLossTenfoldWithin60Seconds() throws {
        try XCTSkipIf(isDebugBuild, "a speed claim: run in release (swift test -c release)")
        var data = SplitMix64(seed: 7)
        let batches = (0..<8).map { _ in discImages(32, using: &data) }
        let heldOut = discImages(64, using: &data)
        var rng = RandomGenerator(seed: 7)
        let model = DiscAutoencoder(rng: &rng)
        let optimizer = AdamW(learningRate: 3e-3, weightDecay: 1e-4)
        let steps = 600
        let schedule = WarmupCosineSchedule(peak: 3e-3, warmupSteps: 20, totalSteps: steps, minimumRatio: 0.1)

        func evaluate() -> Float { withoutGradients { mseLoss(model(heldOut), heldOut).item } }
        let initial = evaluate()
        let start = Date()
        var final = initial, step = 0
        while step < steps, Date().timeIntervalSince(start) < 60 {
            let batch = batches[step % batches.count]
            model.zeroGrad()
            let loss = mseLoss(model(batch), batch)
            loss.backward()
            clipGradNorm(model, maxNorm: 1)
            optimizer.learningRate = schedule(step)
            optimizer.update(model: model)
            step += 1
            if step % 50 == 0 {
                final = evaluate()
                if final * 10 <= initial { break }
            }
        }
        final = evaluate()
        let seconds = Date().timeIntervalSince(start)
        // What no reconstruction at all achieves: predicting the mean held-out image.
        let meanImage = heldOut.mean(dims: [0], keepDims: true)
        let baseline = mseLoss(meanImage.expanded(to: heldOut.shape), heldOut).item
        print(String(format: "disc autoencoder: %d params, held-out MSE %.5f → %.5f (%.1f×) in %d steps, %.1f s; mean-image MSE %.5f",
                     model.parameterCount, initial, final, initial / final, step, seconds, baseline))
        XCTAssertLessThanOrEqual(final * 10, initial, "loss fell only \(initial / final)× in \(step) steps, \(seconds) s")
        XCTAssertLessThan(final * 3, baseline, "no better than predicting the mean image")
        XCTAssertLessThan(seconds, 60)
    }
}
