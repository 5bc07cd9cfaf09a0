import Autodiff
import NeuralNetworks
import XCTest
import TestSupport

/// AdamW, gradient clipping, learning-rate schedule and EMA against PyTorch
/// (Tests/Fixtures/make_nn_fixture.py).
final class OptimizerTests: XCTestCase {
    private let golden = Fixture["adamw"] as! [String: Any]

    private func makeAdamW() -> AdamW {
        let betas = (golden["betas"] as! [NSNumber]).map(\.doubleValue)
        return AdamW(
            learningRate: (golden["lr"] as! NSNumber).doubleValue, betas: (betas[0], betas[1]),
            eps: (golden["eps"] as! NSNumber).doubleValue, weightDecay: (golden["weight_decay"] as! NSNumber).doubleValue)
    }

    private func setGrads(_ params: [(String, Tensor)], step: Int) {
        let grads = Fixture.tensors((golden["grads"] as! [Any])[step])
        for ((_, p), g) in zip(params, grads) { p.grad = g }
    }

    /// Within 2 ulp of torch, 2e-8 absolute near zero (torch's kernels may fuse multiply-adds).
    func testAdamWMatchesTorchOverThreeSteps() {
        let params = Fixture.tensors(golden["initial"]!).enumerated().map { ("p\($0)", $1) }
        let optimizer = makeAdamW()
        for step in 0..<3 {
            setGrads(params, step: step)
            optimizer.update(parameters: params)
            let expected = Fixture.tensors((golden["after"] as! [Any])[step])
            for ((name, p), e) in zip(params, expected) {
                assertClose(p, e, rtol: 2.5e-7, atol: 2e-8, "\(name) after step \(step + 1)")
            }
        }
        let state = optimizer.stateTensors()
        for (i, (name, _)) in params.enumerated() {
            assertClose(state["\(name).exp_avg"]!, Fixture.tensors(golden["exp_avg"]!)[i], rtol: 1e-6, atol: 1e-8, "exp_avg")
            assertClose(state["\(name).exp_avg_sq"]!, Fixture.tensors(golden["exp_avg_sq"]!)[i], rtol: 1e-6, atol: 1e-10, "exp_avg_sq")
            XCTAssertEqual(state["\(name).step"]!.item, (golden["step"] as! [NSNumber])[i].floatValue)
        }
    }

    func testAdamWResumesExactlyFromExportedState() throws {
        let initial = Fixture.tensors(golden["initial"]!)
        let straight = initial.enumerated().map { ("p\($0)", $1.copy()) }
        let resumed = initial.enumerated().map { ("p\($0)", $1.copy()) }
        let first = makeAdamW()
        for step in 0..<3 {
            setGrads(straight, step: step)
            first.update(parameters: straight)
        }
        let interrupted = makeAdamW()
        for step in 0..<2 {
            setGrads(resumed, step: step)
            interrupted.update(parameters: resumed)
        }
        let second = makeAdamW()
        try second.loadState(interrupted.stateTensors(), for: resumed)
        setGrads(resumed, step: 2)
        second.update(parameters: resumed)
        for ((name, a), (_, b)) in zip(straight, resumed) {
            XCTAssertEqual(a.values, b.values, "\(name) differs after resume")
        }
    }

    /// A prefix's rate scale acts like a PyTorch param group with lr × scale (decay included):
    /// the scaled parameter follows an optimizer built with that rate, the others the plain one.
    func testAdamWRateScaleIsAParamGroupWithTheScaledRate() {
        let fresh = { Fixture.tensors(self.golden["initial"]!).enumerated().map { ("p\($0)", $1) } }
        let (scaled, plain, slow) = (fresh(), fresh(), fresh())
        let optimizer = makeAdamW()
        optimizer.rateScales = [("p0", 0.25)]
        XCTAssertEqual(optimizer.rateScale(of: "p0"), 0.25)
        XCTAssertEqual(optimizer.rateScale(of: "p1"), 1)
        let reference = makeAdamW()
        let slowReference = makeAdamW()
        slowReference.learningRate *= 0.25
        for step in 0..<3 {
            for params in [scaled, plain, slow] { setGrads(params, step: step) }
            optimizer.update(parameters: scaled)
            reference.update(parameters: plain)
            slowReference.update(parameters: slow)
        }
        XCTAssertEqual(scaled[0].1.values, slow[0].1.values)
        for i in 1..<scaled.count { XCTAssertEqual(scaled[i].1.values, plain[i].1.values) }
        XCTAssertNotEqual(scaled[0].1.values, plain[0].1.values, "the scale changes the step")
    }

    func testAdamWRejectsMalformedState() {
        let optimizer = makeAdamW()
        let parameters = [("w", Tensor.zeros([2]))]
        let good = ["w.step": Tensor(1), "w.exp_avg": .zeros([2]), "w.exp_avg_sq": .zeros([2])]
        XCTAssertNoThrow(try optimizer.loadState(good, for: parameters))
        var bad = good
        bad["w.exp_avg_sq"] = nil
        XCTAssertThrowsError(try optimizer.loadState(bad, for: parameters)) { error in
            XCTAssertTrue("\(error)".contains("'w'") && "\(error)".contains("missing"), "\(error)")
        }
        bad = good
        bad["w.exp_avg"] = .zeros([3])
        XCTAssertThrowsError(try optimizer.loadState(bad, for: parameters)) { error in
            XCTAssertTrue("\(error)".contains("[3]"), "\(error)")
        }
        XCTAssertThrowsError(try optimizer.loadState(good, for: [("v", Tensor.zeros([2]))])) { error in
            XCTAssertTrue("\(error)".contains("'w'") && "\(error)".contains("no such"), "\(error)")
        }
        bad = good
        bad["stray"] = .zeros([1])
        XCTAssertThrowsError(try optimizer.loadState(bad, for: parameters)) { error in
            XCTAssertTrue("\(error)".contains("stray"), "\(error)")
        }
    }

    func testAdamWSkipsParametersWithoutGradient() {
        let p = Tensor(shape: [3], values: [1, 2, 3])
        makeAdamW().update(parameters: [("p", p)])
        XCTAssertEqual(p.values, [1, 2, 3])
    }

    func testClipGradNormMatchesTorch() {
        for case let c as [String: Any] in Fixture["clip_grad_norm"] as! [Any] {
            let grads = Fixture.tensors(c["grads"]!)
            let params = grads.map { Tensor.zeros($0.shape).requiringGrad() }
            for (p, g) in zip(params, grads) { p.grad = g }
            let maxNorm = (c["max_norm"] as! NSNumber).floatValue
            let total = clipGradNorm(params, maxNorm: maxNorm)
            XCTAssertEqual(total, (c["total_norm"] as! NSNumber).floatValue, accuracy: 1e-5)
            for (p, e) in zip(params, Fixture.tensors(c["clipped"]!)) {
                assertClose(p.grad!, e, rtol: 1e-6, atol: 1e-7, "clipped gradient, maxNorm \(maxNorm)")
            }
        }
    }

    func testWarmupCosineMatchesTransformers() {
        for case let c as [String: Any] in Fixture["warmup_cosine"] as! [Any] {
            let peak = 3e-4
            let schedule = WarmupCosineSchedule(
                peak: peak, warmupSteps: (c["warmup"] as! NSNumber).intValue,
                totalSteps: (c["total"] as! NSNumber).intValue, minimumRatio: (c["min_ratio"] as! NSNumber).doubleValue)
            for (step, factor) in (c["factors"] as! [NSNumber]).enumerated() {
                XCTAssertEqual(schedule(step), peak * factor.doubleValue, accuracy: peak * 1e-12, "step \(step) of \(c)")
            }
            if schedule.totalSteps > schedule.warmupSteps {
                XCTAssertEqual(schedule(schedule.totalSteps + 100), schedule(schedule.totalSteps), "flat after the end")
            }
        }
    }

    func testEMAMatchesDiffAEFormulaAndSwapsIn() throws {
        let c = Fixture["ema"] as! [String: Any]
        let weights = Fixture.tensors(c["weights"]!)
        let model = Holder(weights[0].copy())
        let ema = EMA(decay: (c["decay"] as! NSNumber).floatValue)
        ema.update(model)  // starts at the initial weights
        for w in weights.dropFirst() {
            try model.update(parameters: ["weight": w])
            ema.update(model)
        }
        assertClose(ema.average["weight"]!, Fixture.tensor(c["average"]!), rtol: 1e-6, atol: 1e-7, "EMA")

        let trained = model.weight.values
        let seen = ema.withAveragedWeights(in: model) { model.weight.values }
        XCTAssertEqual(seen, ema.average["weight"]!.values, "averaged weights inside")
        XCTAssertEqual(model.weight.values, trained, "trained weights restored after")
        let restored = EMA(decay: ema.decay)
        try restored.loadState(ema.stateTensors(), for: model)
        XCTAssertEqual(restored.average["weight"]?.values, ema.average["weight"]!.values)
        XCTAssertThrowsError(try restored.loadState(["weight": .zeros([3, 2])], for: model)) { error in
            XCTAssertTrue("\(error)".contains("weight"), "\(error)")
        }
        try ema.copy(to: model)
        XCTAssertEqual(model.weight.values, ema.average["weight"]!.values)
    }
}

private final class Holder: Module {
    let weight: Tensor
    init(_ weight: Tensor) { self.weight = weight }
}
