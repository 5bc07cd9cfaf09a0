import DiffusionAutoencoder
import Foundation
import TalkingFace
import XCTest
import Datasets
import Disentanglement
import SyntheticSpeaker
import TestSupport

/// A small experiment, not a unit test: trains a little 32×32 DAE twice on four synthetic
/// speakers — once with the latent-split pressures, once with the plain ε loss — and prints
/// both probe tables. Skipped unless TF_EXPERIMENT=1; run in release:
///
///     TF_EXPERIMENT=1 TF_STEPS=300 swift test -c release -Xswiftc -enable-testing \
///         --scratch-path .build/testing --filter LatentSplitExperimentTests
///
/// (Run it alone: it synthesises speech in-process, and espeak-ng's state carries over.)
/// With TF_STEPS=1200 (435 s split, 209 s unsplit, shared 2-core machine) the split run's
/// held-out R² of identity was 0.85 from z_id against 0.77 from the unsplit model's first
/// third, but pose was not learned by either (R² ≤ 0.02 from the whole z_sem; the pose
/// term's MSE had only reached the label variance): far too short to judge the split.
final class LatentSplitExperimentTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TF_EXPERIMENT"] == "1", "set TF_EXPERIMENT=1 to run")
    }

    func testSplitAgainstUnsplit() throws {
        let steps = Int(ProcessInfo.processInfo.environment["TF_STEPS"] ?? "") ?? 300
        let scratch = try TemporaryDirectory()
        var datasets: [SpeakerDataset] = []
        for i in 0..<4 {
            let root = scratch.file("speaker_\(i)")
            try SyntheticSpeaker(index: i, seed: 21).write(to: root, seconds: 20, fps: 25, size: 32)
            datasets.append(try SpeakerDataset(at: root))
        }
        // Training frames: each speaker's training part (the probe's held-out end stays unseen).
        var frames: [Tensor] = [], poses: [[Float]] = []
        for ds in datasets {
            let train = ds.split(heldOutFraction: 0.2, gapSeconds: 1).train
            frames.append(try ds.frames(train, size: 32))  // (T, 3, 32, 32)
            poses.append(train.flatMap { [ds.pose!.yaw[$0], ds.pose!.pitch[$0], ds.pose!.roll[$0]] })
        }
        let config = DiffAEConfig(imageSize: 32, channels: 16, channelMult: [1, 2], resBlocks: 1, attentionResolutions: [],
                                  embedChannels: 64, encoderChannelMult: [1, 2, 2], encoderResBlocks: 1, zSemChannels: 12, dropout: 0)
        let split = LatentSplit(id: 4, pose: 4, expression: 4)

        for (label, weights) in [("split", LatentSplitWeights()),
                                 ("unsplit", LatentSplitWeights(swap: 0, idVariance: 0, pose: 0, decorrelation: 0, speakerShare: 0))] {
            var rng = RandomGenerator(seed: 5)
            let model = DiffAE(config: config, rng: &rng)
            let loss = LatentSplitLoss(split: split, weights: weights, rng: &rng)
            let optimizer = AdamW(learningRate: 2e-4, weightDecay: 0)
            let start = Date()
            var last: [String: Float] = [:]
            for step in 0..<steps {
                // 4 frames from each speaker.
                var picked: [Tensor] = [], ids: [Int] = [], pose: [Float] = []
                for (s, speakerFrames) in frames.enumerated() {
                    for _ in 0..<4 {
                        let t = Int(rng.next() % UInt64(speakerFrames.shape[0]))
                        picked.append(speakerFrames.slice(dim: 0, t..<(t + 1)))
                        ids.append(s)
                        pose += poses[s][(3 * t)..<(3 * t + 3)]
                    }
                }
                model.zeroGrad()
                loss.zeroGrad()
                let terms = loss(model: model, x0: concat(picked, dim: 0), speakers: ids,
                                 pose: Tensor(shape: [ids.count, 3], values: pose), rng: &rng)
                terms.total.backward()
                optimizer.update(parameters: model.namedTrainableParameters() + loss.namedOptimizerParameters())
                last = terms.values
                if step % 50 == 0 { print(label, step, last.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")) }
            }
            print(label, "trained \(steps) steps in \(String(format: "%.0f", Date().timeIntervalSince(start))) s; last", last)
            let report = try LatentProbe.run(model: model.eval(), datasets: datasets, split: split, splitIsThirds: label == "unsplit",
                                             traversal: TraversalOptions(rows: 0), out: scratch.file("probe_\(label)"))
            print(report.table())
        }
    }
}
