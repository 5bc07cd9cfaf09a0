import Autodiff
import DiffusionAutoencoder
import XCTest

/// `semanticReliance` compares x̂0 given each image's own z_sem with x̂0 given another's.
final class SemanticRelianceTests: XCTestCase {
    /// A tiny model whose zero-initialised convolutions (every ResBlock's last, the output)
    /// are redrawn: through them z_sem's modulation reaches the output.
    private func model() -> DiffAE {
        var rng = RandomGenerator(seed: 8)
        let model = DiffAE(config: DiffAEPreset.tiny.config, rng: &rng).eval()
        for (name, weight) in model.namedParameters() where name.hasSuffix("weight") && weight.values.allSatisfy({ $0 == 0 }) {
            let redrawn = Tensor.uniform(weight.shape, in: -0.05...0.05, using: &rng)
            weight.pointer.update(from: redrawn.pointer, count: redrawn.count)
        }
        return model
    }

    func testAModelThatCannotSeeZSemGetsEqualErrors() {
        let model = model()
        for (name, p) in model.namedParameters() where name.contains("cond_emb_layers") {
            p.pointer.update(repeating: 0, count: p.count)  // z_scale ≡ 0: z_sem has no way in
        }
        var rng = RandomGenerator(seed: 1)
        let images = Tensor.uniform([4, 3, 32, 32], in: -1...1, using: &rng)
        let rows = model.semanticReliance(images, zSem: model.encode(images), timesteps: [300, 900])
        XCTAssertEqual(rows.map(\.t), [300, 900])
        for row in rows {
            XCTAssertGreaterThan(row.own, 0)
            XCTAssertEqual(row.own, row.other, "t \(row.t)")
        }
    }

    func testAModelThatSeesZSemGetsDifferentErrors() {
        let model = model()
        var rng = RandomGenerator(seed: 1)
        let images = Tensor.uniform([4, 3, 32, 32], in: -1...1, using: &rng)
        let z = Tensor.randn([4, 32], using: &rng)  // far apart, so the modulation differs
        for row in model.semanticReliance(images, zSem: z, timesteps: [300, 900]) {
            XCTAssertGreaterThan(abs(row.own - row.other), 1e-4, "t \(row.t)")
        }
    }
}
