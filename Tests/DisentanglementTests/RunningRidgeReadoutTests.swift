import DiffusionAutoencoder
import XCTest
import Disentanglement

/// The closed-form ridge readout (as adversary and as readout) and z_pose's residual, on data
/// whose answer is known.
final class RunningRidgeReadoutTests: XCTestCase {
    /// u (N, 12) Gaussian; y = u · w + 0.05 noise with w's rows (K = 2) spread over all
    /// channels, so every channel alone correlates only weakly with y.
    func leakyBatch(_ n: Int, rng: inout RandomGenerator, leak: Bool) -> (u: Tensor, y: Tensor) {
        let u = Tensor.randn([n, 12], using: &rng)
        let w = Tensor(shape: [12, 2], values: (0..<24).map { Float(($0 * 7) % 5) - 2 })
        let noise = Tensor.randn([n, 2], using: &rng) * 0.05
        let y = leak ? matmul(u, w) * 0.1 + noise : Tensor.randn([n, 2], using: &rng)
        return (u, y)
    }

    func testReadoutFindsTheLinearLeakAndItsScoreShowsIt() {
        var rng = RandomGenerator(seed: 9)
        let adversary = RunningRidgeReadout(dimension: 12, labels: 2, decay: 0.9, warmupBatches: 20)
        XCTAssertNil(adversary.readout(), "no readout before the moments are warm")
        for _ in 0..<40 { let (u, y) = leakyBatch(64, rng: &rng, leak: true); adversary.observe(u, y) }
        XCTAssertEqual(adversary.batchesObserved, 40)
        // The readout is the regression y ≈ u B: B ≈ 0.1 w (the ridge and noise bias it slightly).
        let b = adversary.readout()!.values
        let w = (0..<24).map { 0.1 * (Float(($0 * 7) % 5) - 2) }
        for i in 0..<24 { XCTAssertEqual(b[i], w[i], accuracy: 0.01) }
        let (u, y) = leakyBatch(64, rng: &rng, leak: true)
        XCTAssertGreaterThan(adversary.squaredCorrelation(u, y)!.item, 0.95, "y is a linear function of u")
        // Per-channel correlations miss most of it: each channel carries a small share.
        XCTAssertLessThan(LatentSplitLoss.meanSquaredCorrelation(u, y).item, 0.2)

        let clean = RunningRidgeReadout(dimension: 12, labels: 2, decay: 0.9, warmupBatches: 20)
        for _ in 0..<40 { let (u, y) = leakyBatch(64, rng: &rng, leak: false); clean.observe(u, y) }
        let (u2, y2) = leakyBatch(64, rng: &rng, leak: false)
        XCTAssertLessThan(clean.squaredCorrelation(u2, y2)!.item, 0.1, "independent labels: only the batch's chance correlation")
    }

    /// Channels far from zero (z_sem can sit at −180 and vary by 0.1) are read as well as
    /// centred ones: the moments are kept about the first batch's mean.
    func testFarFromZeroChannelsKeepTheirVariance() throws {
        var rng = RandomGenerator(seed: 12)
        let centred = RunningRidgeReadout(dimension: 12, labels: 2, decay: 0.9, warmupBatches: 20)
        let shifted = RunningRidgeReadout(dimension: 12, labels: 2, decay: 0.9, warmupBatches: 20)
        let offset = Tensor(shape: [1, 12], values: (0..<12).map { -180 + Float($0) })
        for _ in 0..<40 {
            let (u, y) = leakyBatch(64, rng: &rng, leak: true)
            centred.observe(u * 0.1, y)
            shifted.observe(u * 0.1 + offset, y)
        }
        let expected = try XCTUnwrap(centred.readout()), found = try XCTUnwrap(shifted.readout(), "the shifted moments lost Σ_uu")
        for (a, b) in zip(expected.values, found.values) { XCTAssertEqual(a, b, accuracy: 1e-2 * Swift.max(1, abs(a))) }
        let (u, y) = leakyBatch(64, rng: &rng, leak: true)
        XCTAssertGreaterThan(try XCTUnwrap(shifted.squaredCorrelation(u * 0.1 + offset, y)).item, 0.95)
    }

    /// Its gradient pushes u away from the readout: a few steps on u itself lower the penalty.
    func testGradientLowersThePenaltyAndMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 4)
        let adversary = RunningRidgeReadout(dimension: 12, labels: 2, decay: 0.9, warmupBatches: 20)
        for _ in 0..<30 { let (u, y) = leakyBatch(64, rng: &rng, leak: true); adversary.observe(u, y) }
        let (u0, y) = leakyBatch(16, rng: &rng, leak: true)
        let u = u0.copy()
        u.requiresGrad = true
        let penalty = adversary.squaredCorrelation(u, y)!
        penalty.backward()
        let grad = u.grad!
        for i in Swift.stride(from: 0, to: u.count, by: 7) {
            let saved = u.pointer[i], eps: Float = 1e-2
            u.pointer[i] = saved + eps
            let up = withoutGradients { adversary.squaredCorrelation(u, y)!.item }
            u.pointer[i] = saved - eps
            let down = withoutGradients { adversary.squaredCorrelation(u, y)!.item }
            u.pointer[i] = saved
            let numeric = (up - down) / (2 * eps)
            XCTAssertEqual(grad.pointer[i], numeric, accuracy: 2e-3 + 3e-2 * abs(numeric), "u[\(i)]")
        }
        let stepped = withoutGradients { u - grad * 20 }
        XCTAssertLessThan(adversary.squaredCorrelation(stepped, y)!.item, penalty.item * 0.9)
    }

    /// The state is buffers: a restored adversary reads out the same directions.
    func testMomentsAreCheckpointState() {
        var rng = RandomGenerator(seed: 2)
        let adversary = RunningRidgeReadout(dimension: 12, labels: 2, warmupBatches: 3)
        for _ in 0..<5 { let (u, y) = leakyBatch(16, rng: &rng, leak: true); adversary.observe(u, y) }
        XCTAssertEqual(Set(adversary.namedBuffers().map(\.0)), ["moments.origin", "moments.mean", "moments.moment", "moments.observed"])
        let copy = RunningRidgeReadout(dimension: 12, labels: 2, warmupBatches: 3)
        for ((_, a), (_, b)) in zip(adversary.namedBuffers(), copy.namedBuffers()) { b.pointer.update(from: a.pointer, count: a.count) }
        XCTAssertEqual(copy.readout()!.values, adversary.readout()!.values)
    }

    /// z_pose's residual share: 0 for an affine function of the pose labels, most of the
    /// variance for a z unrelated to them.
    func testPoseResidualShare() {
        var rng = RandomGenerator(seed: 6)
        let pose = Tensor.uniform([16, 3], in: -0.3...0.3, using: &rng)
        let projection = LatentSplitLoss.labelProjection(pose)  // (16, 16)
        let affine = matmul(pose, Tensor.uniform([3, 4], in: -2...2, using: &rng)) + 5  // (16, 4)
        XCTAssertEqual(LatentSplitLoss.unexplainedShare(affine, projection: projection).item, 0, accuracy: 1e-4)
        let unrelated = Tensor.randn([16, 4], using: &rng)
        // A least-squares fit on 3 labels from 16 rows explains about 3/15 of noise.
        XCTAssertGreaterThan(LatentSplitLoss.unexplainedShare(unrelated, projection: projection).item, 0.5)
        // The projection keeps constants and is idempotent.
        let ones = Tensor(shape: [16, 1], values: [Float](repeating: 1, count: 16))
        for v in matmul(projection, ones).values { XCTAssertEqual(v, 1, accuracy: 1e-5) }
        let twice = matmul(projection, projection).values
        for (a, b) in zip(twice, projection.values) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// Weights written before the readouts existed read back with them off; a field left out
    /// keeps its default, and the JSON form round-trips under its snake_case names.
    func testWeightsDecodeByName() throws {
        let old = #"{"swap":1,"id_variance":0.1,"pose":10,"decorrelation":0.1,"speaker_share":0.1}"#
        XCTAssertEqual(try JSONDecoder().decode(LatentSplitWeights.self, from: Data(old.utf8)), LatentSplitWeights())
        let some = try JSONDecoder().decode(LatentSplitWeights.self, from: Data(#"{"pose_readout":10,"swap":0}"#.utf8))
        XCTAssertEqual(some, LatentSplitWeights(swap: 0, poseReadout: 10))
        let all = LatentSplitWeights(swap: 1, idVariance: 2, pose: 3, decorrelation: 4, speakerShare: 5, poseLeak: 6, speakerLeak: 7,
                                     poseResidual: 8, poseReadout: 9, expressionReadout: 10, identityReadout: 11)
        XCTAssertEqual(all.named.map(\.weight), (1...11).map(Float.init))
        XCTAssertEqual(all.named.map(\.name), LatentSplitWeights.fieldNames)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(all)) as! [String: Any]
        XCTAssertEqual(Set(json.keys), Set(LatentSplitWeights.fieldNames))
        XCTAssertEqual(try JSONDecoder().decode(LatentSplitWeights.self, from: JSONEncoder().encode(all)), all)
    }
}
