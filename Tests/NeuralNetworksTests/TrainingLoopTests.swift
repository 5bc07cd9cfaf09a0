import Foundation
import MediaIO
import NeuralNetworks
import XCTest
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

private struct TinyConfig: Codable { var hidden = 8 }

/// Linear → Dropout → SiLU → Linear: small, but with every kind of state a resume must
/// restore (weights, a dropout generator, optimizer moments, EMA).
private final class TinyRegressor: Module {
    let hidden: Linear
    let dropout: Dropout
    let out: Linear

    init(seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        hidden = Linear(4, 8, rng: &rng)
        dropout = Dropout(p: 0.25, rng: &rng)
        out = Linear(8, 2, rng: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { out(silu(dropout(hidden(x)))) }
}

/// 32 fixed (x, y) pairs; each step takes 4 by the data order and adds input noise.
private struct TinyData {
    let inputs: [[Float]]
    let targets: [[Float]]

    init() {
        var rng = RandomGenerator(seed: 99)
        inputs = (0..<32).map { _ in (0..<4).map { _ in rng.normal() } }
        targets = inputs.map { [$0[0] * 0.5 - $0[1], $0[2] * $0[3]] }
    }

    func loss(_ model: TinyRegressor, _ context: inout TrainingContext) -> Tensor {
        let batch = context.dataOrder!.next(4)
        let noise = (0..<16).map { _ in 0.01 * context.generators["noise"]!.normal() }
        let x = Tensor(shape: [4, 4], values: zip(batch.flatMap { inputs[$0] }, noise).map(+))
        let y = Tensor(shape: [4, 2], values: batch.flatMap { targets[$0] })
        return mseLoss(model(x), y)
    }
}

final class TrainingLoopTests: XCTestCase {
    private let directory = try! TemporaryDirectory()
    private let data = TinyData()

    private func makeLoop(modelSeed: UInt64, totalSteps: Int, checkpoint: URL?, every: Int = 100, streamSeed: UInt64 = 5) -> (TinyRegressor, TrainingLoop) {
        let model = TinyRegressor(seed: modelSeed)
        let schedule = WarmupCosineSchedule(peak: 3e-2, warmupSteps: 2, totalSteps: totalSteps)
        let loop = TrainingLoop(
            model: model, optimizer: AdamW(learningRate: 0), ema: EMA(decay: 0.9), learningRate: { schedule($0) },
            maxGradientNorm: 0.5, totalSteps: totalSteps, checkpoint: checkpoint, checkpointEvery: every,
            config: TinyConfig(), generators: ["noise": RandomGenerator(seed: streamSeed)],
            dataOrder: DataOrder(count: 32, seed: streamSeed))
        return (model, loop)
    }

    private func bits(_ state: [(String, Tensor)]) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: state.map { ($0.0, $0.1.values.map(\.bitPattern)) })
    }
    private func bits(_ state: [String: Tensor]) -> [String: [UInt32]] { bits(state.map { ($0.key, $0.value) }) }

    func testInterruptedAndResumedRunIsBitIdenticalToUninterrupted() throws {
        let (reference, straight) = makeLoop(modelSeed: 1, totalSteps: 9, checkpoint: nil)
        let straightResult = try straight.run { data.loss(reference, &$0) }
        XCTAssertEqual(straightResult.step, 9)
        XCTAssertFalse(straightResult.interrupted)

        let url = directory.file("resume.h5")
        let (first, firstLoop) = makeLoop(modelSeed: 1, totalSteps: 9, checkpoint: url)
        let stopped = try firstLoop.run { context in
            if context.step == 3 { firstLoop.requestStop() }
            return data.loss(first, &context)
        }
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.step, 4)

        // Everything different until the checkpoint is loaded: weights, dropout, streams.
        let (resumed, resumedLoop) = makeLoop(modelSeed: 2, totalSteps: 9, checkpoint: url, streamSeed: 6)
        try resumedLoop.resume(from: url)
        XCTAssertEqual(resumedLoop.step, 4)
        let result = try resumedLoop.run { data.loss(resumed, &$0) }
        XCTAssertEqual(result.step, 9)

        XCTAssertEqual(bits(resumed.namedState()), bits(reference.namedState()))
        XCTAssertEqual(bits(resumedLoop.ema!.average), bits(straight.ema!.average))
        XCTAssertEqual(bits(resumedLoop.optimizer.stateTensors()), bits(straight.optimizer.stateTensors()))
        XCTAssertEqual(resumedLoop.generators["noise"]!.state, straight.generators["noise"]!.state)
        XCTAssertEqual(resumedLoop.dataOrder, straight.dataOrder)
        XCTAssertEqual(resumed.dropout.generator.state, reference.dropout.generator.state)
    }

    func testNaNLossStopsWithErrorAndLeavesLastGoodCheckpoint() throws {
        let url = directory.file("nan.h5")
        let (model, loop) = makeLoop(modelSeed: 3, totalSteps: 10, checkpoint: url, every: 2)
        loop.inputs = ["data/speaker/audio.wav", "runs/latents.h5"]
        var afterStep: [Int: [String: [UInt32]]] = [:]
        loop.progress = { afterStep[$0.step] = self.bits(model.namedState()) }
        XCTAssertThrowsError(try loop.run { context in
            let loss = data.loss(model, &context)
            return context.step == 5 ? loss * Float.nan : loss
        }) { error in
            guard let error = error as? NonFiniteTrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.step, 5)
            XCTAssertNil(error.gradientNorm)
            XCTAssertEqual(error.lastCheckpointStep, 4)
            XCTAssertEqual(error.lastCheckpoint, url)
            XCTAssertTrue(error.description.contains("data/speaker/audio.wav, runs/latents.h5"), error.description)
        }
        XCTAssertEqual(loop.step, 5)
        XCTAssertEqual(bits(model.namedState()), afterStep[5], "the failing step must not update the model")

        let onDisk = TinyRegressor(seed: 4)
        let state = try Checkpoint.load(into: onDisk, from: url)
        XCTAssertEqual(state.integers["step"], [4])
        XCTAssertEqual(bits(onDisk.namedState()), afterStep[4])
    }

    func testNonFiniteGradientWithFiniteLossStopsBeforeUpdating() throws {
        let url = directory.file("nan-grad.h5")
        let (model, loop) = makeLoop(modelSeed: 3, totalSteps: 10, checkpoint: url, every: 1)
        var saved: [String: [UInt32]] = [:]
        loop.progress = { _ in saved = self.bits(model.namedState()) }
        XCTAssertThrowsError(try loop.run { context in
            let loss = data.loss(model, &context)
            // √(0·w) is 0 but its gradient is ∞·0 = NaN.
            return context.step == 2 ? loss + sqrt(model.out.weight * 0).sum() : loss
        }) { error in
            guard let error = error as? NonFiniteTrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.step, 2)
            XCTAssertNotNil(error.gradientNorm)
            XCTAssertTrue(error.loss.isFinite)
        }
        XCTAssertEqual(bits(model.namedState()), saved)
        let onDisk = TinyRegressor(seed: 4)
        XCTAssertEqual(try Checkpoint.load(into: onDisk, from: url).integers["step"], [2])
        XCTAssertEqual(bits(onDisk.namedState()), saved)
    }

    func testCtrlCSavesAndStops() throws {
        let url = directory.file("sigint.h5")
        let (model, loop) = makeLoop(modelSeed: 5, totalSteps: 50, checkpoint: url)
        let result = try loop.run { context in
            if context.step == 2 { raise(SIGINT) }  // the real signal, through the loop's handler
            return data.loss(model, &context)
        }
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.step, 3)
        let onDisk = TinyRegressor(seed: 6)
        XCTAssertEqual(try Checkpoint.load(into: onDisk, from: url).integers["step"], [3])
        XCTAssertEqual(bits(onDisk.namedState()), bits(model.namedState()))
    }

    func testSIGTERMSavesAndStopsLikeCtrlC() throws {
        let url = directory.file("sigterm.h5")
        let (model, loop) = makeLoop(modelSeed: 5, totalSteps: 50, checkpoint: url)
        let result = try loop.run { context in
            if context.step == 2 { raise(SIGTERM) }  // what `timeout`, Docker and Slurm send
            return data.loss(model, &context)
        }
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.step, 3)
        XCTAssertEqual(InterruptSignal.receivedSignal, SIGTERM)
        XCTAssertEqual(InterruptSignal.exitStatus, 143)
        XCTAssertEqual(try Checkpoint.load(into: TinyRegressor(seed: 6), from: url).integers["step"], [3])
        InterruptSignal.reset()
        XCTAssertNil(InterruptSignal.receivedSignal)
        InterruptSignal.request()
        XCTAssertEqual(InterruptSignal.exitStatus, 130)
        InterruptSignal.reset()
    }

    func testRunRemovesWhatAKilledCheckpointWriteLeftBehind() throws {
        let folder = try TemporaryDirectory()
        let leftover = folder.file(".last.h5.\(UUID().uuidString).partial")
        try Data("half a checkpoint".utf8).write(to: leftover)
        let (model, loop) = makeLoop(modelSeed: 5, totalSteps: 2, checkpoint: folder.file("last.h5"))
        try loop.run { data.loss(model, &$0) }
        XCTAssertEqual(try folder.contents(), ["last.h5"])
    }

    func testRunPutsBackTheSIGINTAndSIGTERMHandlersItFound() throws {
        func currentHandlers() -> [UnsafeRawPointer?] {
            [SIGINT, SIGTERM].map { signal in
                var action = sigaction()
                sigaction(signal, nil, &action)
                #if canImport(Glibc)
                return unsafeBitCast(action.__sigaction_handler.sa_handler, to: UnsafeRawPointer?.self)
                #else
                return unsafeBitCast(action.__sigaction_u.__sa_handler, to: UnsafeRawPointer?.self)
                #endif
            }
        }
        let before = currentHandlers()
        let (model, loop) = makeLoop(modelSeed: 5, totalSteps: 2, checkpoint: nil)
        var during: [UnsafeRawPointer?] = []
        try loop.run { context in
            during = currentHandlers()
            return data.loss(model, &context)
        }
        XCTAssertNotEqual(during[0], before[0], "the loop routes SIGINT to its flag while running")
        XCTAssertNotEqual(during[1], before[1], "the loop routes SIGTERM to its flag while running")
        XCTAssertEqual(currentHandlers(), before)
        XCTAssertFalse(InterruptSignal.isInstalled)
    }

    func testInterruptFlagSetProgrammaticallySavesAndStops() throws {
        let url = directory.file("flag.h5")
        let (model, loop) = makeLoop(modelSeed: 5, totalSteps: 50, checkpoint: url)
        let result = try loop.run { context in
            if context.step == 1 { InterruptSignal.request() }
            return data.loss(model, &context)
        }
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.step, 2)
        XCTAssertEqual(try Checkpoint.load(into: TinyRegressor(seed: 6), from: url).integers["step"], [2])
        // The next run starts with the flag down and goes on to the end.
        XCTAssertFalse(try loop.run { data.loss(model, &$0) }.interrupted)
        XCTAssertEqual(loop.step, 50)
    }

    func testProgressReportsEveryStepWithCheckpointsEveryN() throws {
        let (model, loop) = makeLoop(modelSeed: 7, totalSteps: 7, checkpoint: directory.file("progress.h5"), every: 3)
        var reports: [TrainingProgress] = []
        loop.progress = { reports.append($0) }
        try loop.run { data.loss(model, &$0) }
        XCTAssertEqual(reports.map(\.step), Array(1...7))
        XCTAssertEqual(reports.filter(\.checkpointSaved).map(\.step), [3, 6, 7])
        XCTAssertEqual(reports[0].smoothedLoss, reports[0].loss, accuracy: 1e-6 * reports[0].loss)
        for r in reports {
            XCTAssertTrue(r.smoothedLoss.isFinite && r.gradientNorm.isFinite && r.stepsPerSecond > 0)
            XCTAssertEqual(r.totalSteps, 7)
        }
        XCTAssertEqual(reports.last!.secondsRemaining, 0)
        XCTAssertEqual(reports[1].learningRate, 1.5e-2, accuracy: 1e-12)  // warm-up: peak · 1/2
    }

    func testResumeFromMismatchedCheckpointChangesNothing() throws {
        let url = directory.file("other.h5")
        let (model, loop) = makeLoop(modelSeed: 8, totalSteps: 2, checkpoint: url)
        try loop.run { data.loss(model, &$0) }

        let (fresh, freshLoop) = makeLoop(modelSeed: 9, totalSteps: 4, checkpoint: nil)
        freshLoop.generators["augment"] = RandomGenerator(seed: 1)  // not in the checkpoint
        let before = bits(fresh.namedState())
        XCTAssertThrowsError(try freshLoop.resume(from: url)) { error in
            XCTAssertTrue("\(error)".contains("generator.augment"), "\(error)")
        }
        XCTAssertEqual(bits(fresh.namedState()), before)
        XCTAssertEqual(freshLoop.step, 0)
    }

    func testDataOrderShufflesEachEpochAndRoundTrips() throws {
        var order = DataOrder(count: 10, seed: 3)
        let epoch0 = order.next(10), epoch1 = order.next(10)
        XCTAssertEqual(Set(epoch0), Set(0..<10))
        XCTAssertEqual(Set(epoch1), Set(0..<10))
        XCTAssertNotEqual(epoch0, epoch1)
        _ = order.next(3)
        var copy = try DataOrder(stateWords: order.stateWords)
        XCTAssertEqual(copy.next(25), order.next(25))
        XCTAssertThrowsError(try DataOrder(stateWords: [10, 3, 0, 10]))
    }
}
