import DiffusionAutoencoder
import XCTest
import Disentanglement

/// The latent-split training pressures on a model small enough for finite differences.
final class LatentSplitLossTests: XCTestCase {
    let split = LatentSplit(id: 2, pose: 2, expression: 2)
    let speakers = [0, 0, 0, 1, 1, 2]

    /// 8×8 images, one ResBlock per level, no attention, no dropout (finite differences need
    /// a deterministic forward), z_sem 6 wide. DiffAE's zero-initialised convolutions are
    /// refilled with small random values: zero outputs would make every z gradient zero.
    func makeModel(seed: UInt64 = 3, config: DiffAEConfig? = nil) -> (DiffAE, LatentSplitLoss) {
        var rng = RandomGenerator(seed: seed)
        let config = config ?? DiffAEConfig(imageSize: 8, channels: 8, channelMult: [1, 1], resBlocks: 1, attentionResolutions: [],
                                            embedChannels: 16, encoderChannelMult: [1, 1], encoderResBlocks: 1, zSemChannels: 6,
                                            dropout: 0)
        let model = DiffAE(config: config, rng: &rng)
        for (_, p) in model.namedTrainableParameters() where p.values.allSatisfy({ $0 == 0 }) {
            let fill = Tensor.uniform(p.shape, in: -0.3...0.3, using: &rng)
            p.pointer.update(from: fill.pointer, count: p.count)
        }
        return (model, LatentSplitLoss(split: split, rng: &rng))
    }

    func batch() -> (x0: Tensor, pose: Tensor) {
        var rng = RandomGenerator(seed: 11)
        return (Tensor.uniform([6, 3, 8, 8], in: -1...1, using: &rng), Tensor.uniform([6, 3], in: -0.3...0.3, using: &rng))
    }

    func testSplitPartsAndThirds() {
        XCTAssertEqual(LatentSplit.thirds(of: 32).sizes, [11, 11, 10])
        XCTAssertEqual(LatentSplit.thirds(of: 6).sizes, [2, 2, 2])
        XCTAssertEqual(LatentSplit(parsing: "8, 4,20"), LatentSplit(id: 8, pose: 4, expression: 20))
        XCTAssertNil(LatentSplit(parsing: "8,4"))
        let z = Tensor(shape: [1, 6], values: [0, 1, 2, 3, 4, 5])
        let p = split.parts(of: z)
        XCTAssertEqual(p.pose.values, [2, 3])
        XCTAssertEqual(split.join(id: p.id, pose: p.pose, expression: p.expression).values, z.values)
    }

    func testSwapPartnersStayWithinSpeaker() {
        var rng = RandomGenerator(seed: 5)
        let pairs = LatentSplitLoss.swapPartners(speakers, rng: &rng)
        XCTAssertEqual(pairs.map(\.frame), [0, 1, 2, 3, 4], "the singleton speaker's frame 5 has no partner")
        for (frame, partner) in pairs {
            XCTAssertNotEqual(frame, partner)
            XCTAssertEqual(speakers[frame], speakers[partner])
        }
    }

    func testVarianceRatio() {
        // Speaker means ±1 with within-speaker deviations ±0.1: ratio = 4·0.01 / (4·0.01 + 4·1).
        let z = Tensor(shape: [4, 1], values: [1.1, 0.9, -0.9, -1.1])
        let ratio = LatentSplitLoss.withinSpeakerVarianceRatio(z, speakers: [0, 0, 1, 1])!.item
        XCTAssertEqual(ratio, 0.04 / 4.04, accuracy: 1e-6)
        XCTAssertNil(LatentSplitLoss.withinSpeakerVarianceRatio(z, speakers: [0, 0, 0, 0]))
    }

    func testSwapTermIsZeroWhenIdentityIsShared() {
        let (model, loss) = makeModel()
        let (x0, pose) = batch()
        var rng = RandomGenerator(seed: 1)
        let swapBefore = loss(model: model, x0: x0, speakers: speakers, pose: pose, rng: &rng).swapExcess!
        XCTAssertGreaterThan(abs(swapBefore), 1e-5, "a z_id that differs between frames must change the prediction")

        // Zero the encoder's output rows for the z_id channels: z_id is then the bias, the
        // same for every frame, while z_pose and z_exp still vary.
        let outWeight = model.encoder.out.namedTrainableParameters().first { $0.0 == "3.weight" }!.1  // (zSem, C, 1, 1)
        let rowSize = outWeight.count / outWeight.shape[0]
        for i in 0..<(split.id * rowSize) { outWeight.pointer[i] = 0 }
        rng = RandomGenerator(seed: 1)
        let terms = loss(model: model, x0: x0, speakers: speakers, pose: pose, rng: &rng)
        XCTAssertEqual(terms.swapExcess!, 0, accuracy: 1e-6)
        XCTAssertGreaterThan(terms.swap!.item, 0.1, "the swapped loss itself is an ε loss")
        XCTAssertGreaterThan(terms.epsilon.item, 0.1)
    }

    /// The ε term is DiffAE's own objective: same draws from the same seed, same value.
    func testEpsilonTermIsDiffAEsLoss() {
        let (model, loss) = makeModel()
        let (x0, pose) = batch()
        var rng = RandomGenerator(seed: 4)
        let terms = loss(model: model, x0: x0, speakers: speakers, pose: pose, rng: &rng)
        rng = RandomGenerator(seed: 4)
        XCTAssertEqual(terms.epsilon.item, model.loss(x0: x0, rng: &rng).item, accuracy: 1e-5)
        let weighted = terms.epsilon.item + 1 * terms.swap!.item + 0.1 * terms.idVariance!.item + 10 * terms.pose!.item
            + 0.1 * terms.decorrelation!.item + 0.1 * terms.speakerShare!.item
        XCTAssertEqual(terms.total.item, weighted, accuracy: 1e-5, "total = ε + Σ default weight · term")
    }

    func testTermsAbsentWhenTheyCannotApply() {
        let (model, loss) = makeModel()
        let (x0, _) = batch()
        var rng = RandomGenerator(seed: 1)
        let terms = loss(model: model, x0: x0, speakers: [0, 1, 2, 3, 4, 5], pose: nil, rng: &rng)
        XCTAssertNil(terms.swap)
        XCTAssertNil(terms.pose)
        XCTAssertNil(terms.decorrelation)
        XCTAssertNotNil(terms.idVariance)
        XCTAssertEqual(Set(terms.values.keys), ["epsilon", "total", "id_variance", "speaker_share"])
    }

    /// Every term's gradient against central differences, for encoder, UNet and pose-head
    /// parameters. The rng is re-seeded per evaluation so t, ε and the pairs stay fixed.
    func testGradientsMatchFiniteDifferences() {
        let (model, loss) = makeModel()
        checkGradients(model: model, loss: loss, terms: [
            ("epsilon", { $0.epsilon }), ("swap", { $0.swap }), ("id_variance", { $0.idVariance }),
            ("speaker_share", { $0.speakerShare }),
            ("pose", { $0.pose }), ("decorrelation", { $0.decorrelation }), ("total", { $0.total }),
        ])
    }

    /// The same for the linear adversaries, z_pose's residual and the three readouts (a v-model
    /// this time), with z_exp erased (every term then sees the erased z_exp) and the readouts' and
    /// the erasure's moments warmed on random latents first and frozen during the check.
    func testAdversaryAndResidualGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let config = DiffAEConfig(imageSize: 8, channels: 8, channelMult: [1, 1], resBlocks: 1, attentionResolutions: [],
                                  embedChannels: 16, encoderChannelMult: [1, 1], encoderResBlocks: 1, zSemChannels: 6,
                                  dropout: 0, prediction: .v)
        let (model, _) = makeModel(config: config)
        let weights = LatentSplitWeights(swap: 0, idVariance: 0, pose: 0, decorrelation: 0, speakerShare: 0,
                                         poseLeak: 1, speakerLeak: 1, poseResidual: 1, poseReadout: 1,
                                         expressionReadout: 1, identityReadout: 1)
        let loss = LatentSplitLoss(split: split, weights: weights, speakerCount: 3, erasure: true, expressionLabels: 2, rng: &rng)
        for _ in 0..<20 {
            // z_exp is 2 wide here: covariance in its first channel only, so the erasure takes
            // that one and the second passes (an erasure as wide as z_exp would leave nothing)
            let firstOnly = concat([Tensor.randn([6, 1], using: &rng), Tensor.zeros([6, 1])], dim: 1)
            loss.expressionErasure!.observe(firstOnly, Tensor.randn([6, 6], using: &rng))
            loss.expressionReadout!.observe(Tensor.randn([6, 2], using: &rng), Tensor.randn([6, 2], using: &rng))
            loss.identityReadout!.observe(Tensor.randn([6, 2], using: &rng), Tensor.uniform([6, 3], in: 0...1, using: &rng))
            loss.poseLeakAdversary!.observe(Tensor.randn([6, 4], using: &rng), Tensor.randn([6, 3], using: &rng))
            loss.speakerLeakAdversary!.observe(Tensor.randn([6, 4], using: &rng), Tensor.uniform([6, 3], in: 0...1, using: &rng))
            loss.poseReadout!.observe(Tensor.randn([6, 2], using: &rng), Tensor.randn([6, 3], using: &rng))
        }
        checkGradients(model: model, loss: loss, terms: [
            ("epsilon", { $0.epsilon }), ("pose_leak", { $0.poseLeak }), ("speaker_leak", { $0.speakerLeak }),
            ("pose_residual", { $0.poseResidual }), ("pose_readout", { $0.poseReadout }),
            ("expression_readout", { $0.expressionReadout }), ("identity_readout", { $0.identityReadout }), ("total", { $0.total }),
        ], includeHead: false, samplesPerParameter: 16, expression: Tensor.uniform([6, 2], in: 0...1, using: &rng))  // z_pose is 2 of 6 rows, and correlations ignore biases
    }

    /// Every named term's gradient against central differences, for encoder and UNet (and
    /// pose-head) parameters. The rng is re-seeded per evaluation so t, ε and the pairs stay
    /// fixed, and the adversaries do not learn from the evaluations.
    func checkGradients(model: DiffAE, loss: LatentSplitLoss, terms pick: [(String, (LatentSplitLoss.Terms) -> Tensor?)],
                        includeHead: Bool = true, samplesPerParameter: Int = 4, expression: Tensor? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        let (x0, pose) = batch()
        let parameters = model.namedTrainableParameters().filter {
            ["encoder.out.3.weight", "encoder.out.3.bias", "out.2.weight", "input_blocks.1.0.emb_layers.1.weight"].contains($0.0)
        } + (includeHead ? loss.namedTrainableParameters().map { ("pose_head." + $0.0, $0.1) } : [])
        XCTAssertEqual(parameters.count, includeHead ? 6 : 4, file: file, line: line)
        func evaluate() -> LatentSplitLoss.Terms {
            var rng = RandomGenerator(seed: 1)
            return loss(model: model, x0: x0, speakers: speakers, pose: pose, expression: expression, observe: false, rng: &rng)
        }
        // Analytic: one backward per term.
        var analytic: [[Tensor]] = []  // term × parameter
        for (_, term) in pick {
            model.zeroGrad()
            loss.zeroGrad()
            term(evaluate())!.backward()
            analytic.append(parameters.map { $0.1.grad ?? Tensor.zeros($0.1.shape) })
        }
        // Numeric: one pair of forwards per checked element gives every term's difference.
        var dependent = [Int](repeating: 0, count: pick.count)
        for (k, (key, p)) in parameters.enumerated() {
            for i in Swift.stride(from: 0, to: p.count, by: Swift.max(1, p.count / samplesPerParameter)) {
                let saved = p.pointer[i], eps: Float = 1e-2
                p.pointer[i] = saved + eps
                let up = withoutGradients { evaluate() }
                p.pointer[i] = saved - eps
                let down = withoutGradients { evaluate() }
                p.pointer[i] = saved
                for (t, (name, term)) in pick.enumerated() {
                    let numeric = (term(up)!.item - term(down)!.item) / (2 * eps)
                    XCTAssertEqual(analytic[t][k].pointer[i], numeric, accuracy: 2e-3 + 3e-2 * abs(numeric), "\(name): \(key)[\(i)]",
                                   file: file, line: line)
                    if numeric != 0 { dependent[t] += 1 }
                }
            }
        }
        for (t, (name, _)) in pick.enumerated() {
            XCTAssertGreaterThan(dependent[t], 1, "\(name) must depend on a checked parameter", file: file, line: line)
        }
    }
}

/// Saving and restoring the pose head, and optimizer steps over DAE and head together.
extension LatentSplitLossTests {
    func testSaveLoadAndSharedOptimizer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("LatentSplit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, loss) = makeModel()
        let (x0, pose) = batch()

        let names = loss.namedOptimizerParameters().map { $0.0 }
        XCTAssertEqual(names, ["latent_split.pose_head.weight", "latent_split.pose_head.bias"])
        XCTAssertTrue(Set(names).isDisjoint(with: model.namedTrainableParameters().map { $0.0 }))

        // AdamW steps over DAE and head together lower the pose term: the head (which starts
        // at zero) and z_pose learn. The pose term alone is stepped, so the ε loss on random
        // images does not compete for the encoder.
        let optimizer = AdamW(learningRate: 1e-2)
        func step() -> Float {
            model.zeroGrad()
            loss.zeroGrad()
            var rng = RandomGenerator(seed: 2)
            let terms = loss(model: model, x0: x0, speakers: speakers, pose: pose, rng: &rng)
            terms.pose!.backward()
            optimizer.update(parameters: model.namedTrainableParameters() + loss.namedOptimizerParameters())
            return terms.pose!.item
        }
        let first = step()
        var last = first
        for _ in 0..<30 { last = step() }
        XCTAssertLessThan(last, first * 0.8)

        // The trained head saves and loads.
        let url = folder.appendingPathComponent("latent_split.h5")
        try loss.save(to: url)
        let restored = try LatentSplitLoss.load(url)
        XCTAssertEqual(restored.split, loss.split)
        XCTAssertEqual(restored.weights, loss.weights)
        XCTAssertEqual(restored.poseHead.weight.values, loss.poseHead.weight.values)
        XCTAssertTrue(restored.poseHead.weight.values.contains { $0 != 0 })
    }
}
