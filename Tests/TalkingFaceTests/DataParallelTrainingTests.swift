import Datasets
import DiffusionAutoencoder
import Foundation
import NeuralNetworks
import SyntheticSpeaker
import TalkingFace
import XCTest
import TestSupport

/// `dae train` under `mpirun`: N ranks with a global batch B take the steps one process with
/// batch B takes, a run resumes on another number of ranks, and a rank that dies or hangs
/// ends the job within seconds with the last checkpoint intact. Skipped without `mpirun`
/// (Open MPI's `openmpi-bin`, which `make deps` installs) or without the built tool.
final class DataParallelTrainingTests: XCTestCase {
    private var tool: CommandLineTool!
    private var mpirun: URL!

    override func setUpWithError() throws {
        tool = CommandLineTool()
        try XCTSkipIf(tool == nil, "the talkingface tool is not built next to \(CommandLineTool.searchedFolder)")
        mpirun = Self.findInPath("mpirun")
        try XCTSkipIf(mpirun == nil, "mpirun is not installed (apt-get install openmpi-bin): data-parallel training is not tested")
    }

    static func findInPath(_ name: String) -> URL? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// A `talkingface` run, under `mpirun -np ranks` when ranks > 0; one thread per process
    /// (what 2 ranks on this 2-core machine get by themselves).
    private func launch(ranks: Int, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        if ranks > 0 {
            process.executableURL = mpirun
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), tool.url.path] + arguments
        } else {
            process.executableURL = tool.url
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["TALKINGFACE_THREADS"] = "1"
        environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"  // containers forbid CMA
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        return process
    }

    /// Runs to the end: the exit status and standard error.
    private func runToEnd(ranks: Int, _ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = try launch(ranks: ranks, arguments)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// Runs to the end; fails the test on a non-zero exit, with the errors.
    private func run(ranks: Int, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, text) = try runToEnd(ranks: ranks, arguments)
        XCTAssertEqual(status, 0, "\(ranks) rank(s): talkingface \(arguments.joined(separator: " ")):\n\(text)",
                       file: file, line: line)
    }

    /// `dae train` of the tiny preset with a 2-step warm-up, whatever the steps (a run that
    /// stops at 10 of 20 steps must have the warm-up of the 20).
    private func train(_ data: URL, _ out: URL, steps: Int, batch: Int = 8, extra: [String] = []) throws -> [String] {
        let recipe = data.deletingLastPathComponent().appendingPathComponent("warmup.json")
        try Data(#"{"warmup": 2}"#.utf8).write(to: recipe)
        return ["dae", "train", "--preset", "tiny", "--data", data.path, "--out", out.path, "--steps", String(steps),
                "--batch", String(batch), "--checkpoint-every", "10", "--seed", "3", "--recipe", recipe.path] + extra
    }

    /// The loss and gradient norm of each step, from a run's loss.csv.
    private func losses(_ run: URL) throws -> [(loss: Double, gradientNorm: Double)] {
        try String(contentsOf: run.appendingPathComponent("loss.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map {
            let fields = $0.split(separator: ",").compactMap { Double($0) }
            return (fields[1], fields[4])
        }
    }

    /// Same steps, to float tolerance. The ranks sum the gradient in another order than one
    /// process, which changes its last bits; the first steps (lr 0 in the warm-up's first
    /// step, then tiny) then agree to every printed digit, and AdamW, whose step is ≈ lr
    /// whatever the gradient's size, turns a last-bit difference in a near-zero gradient into
    /// a sizeable one in that weight. So the later losses agree to 1e-4, and the weights'
    /// difference is measured against how far training moved them (seed 3's initial weights).
    private func assertSameTraining(_ run: URL, _ reference: URL, exactSteps: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let (a, b) = (try losses(run), try losses(reference))
        XCTAssertEqual(a.count, b.count, "rank 0 alone writes loss.csv, one row per step", file: file, line: line)
        for (step, (x, y)) in zip(a, b).enumerated() {
            let tolerance = step < exactSteps ? 1e-6 : 1e-3
            XCTAssertEqual(x.loss, y.loss, accuracy: tolerance * abs(y.loss), "loss at step \(step + 1)", file: file, line: line)
            XCTAssertEqual(x.gradientNorm, y.gradientNorm, accuracy: 10 * tolerance * y.gradientNorm, "gradient norm at step \(step + 1)",
                           file: file, line: line)
        }
        let initial = Dictionary(DiffAE(preset: .tiny, seed: 3).namedState().map { ($0.0, $0.1.values) }, uniquingKeysWith: { x, _ in x })
        for name in ["checkpoint.h5", "dae.h5"] {  // the raw weights and the EMA
            let (mine, theirs) = (try DiffAE.load(checkpoint: run.appendingPathComponent(name)).namedState(),
                                  try DiffAE.load(checkpoint: reference.appendingPathComponent(name)).namedState())
            var (difference, moved) = (0.0, 0.0)
            for ((key, x), (_, y)) in zip(mine, theirs) {
                for (i, (u, v)) in zip(x.values, y.values).enumerated() {
                    difference += Double(u - v) * Double(u - v)
                    let start = initial[key]![i]
                    moved += Double(v - start) * Double(v - start)
                }
            }
            let ratio = (difference / moved).squareRoot()
            print("\(name): ‖weights − reference‖ / ‖reference − initial‖ = \(String(format: "%.2e", ratio))")
            XCTAssertLessThan(ratio, 2e-3, "\(name): the weights differ by \(ratio) of how far training moved them", file: file, line: line)
        }
    }

    /// 2 ranks × 4 frames = 1 process × 8 frames after 20 steps of the tiny preset; and a
    /// run stopped at step 10 on 2 ranks and resumed on 1 reaches the same weights as well.
    func testTwoRanksTakeOneProcesssStepsAndResumeOnAnotherRankCount() throws {
        let scratch = try TemporaryDirectory()
        let data = scratch.file("speaker")
        try DAETestData.write(to: data, count: 80, size: 32)
        let single = scratch.file("single"), pair = scratch.file("pair"), resumed = scratch.file("resumed")

        try run(ranks: 0, try train(data, single, steps: 20))
        try run(ranks: 2, try train(data, pair, steps: 20))
        try assertSameTraining(pair, single, exactSteps: 3)

        try run(ranks: 2, try train(data, resumed, steps: 10))
        try run(ranks: 0, ["dae", "train", "--out", resumed.path, "--resume", "--steps", "20"])
        try assertSameTraining(resumed, single, exactSteps: 3)
    }

    /// `distill` on 2 ranks (rank 0 makes the examples and targets, each rank trains on half
    /// of every batch) gives one process's student, to float tolerance, through both rounds.
    func testDistillOnTwoRanksGivesOneProcesssStudent() throws {
        let scratch = try TemporaryDirectory()
        try Speaker.makeUntrained(preset: .tiny, name: "base", seed: 3, steps: testSteps).write(to: scratch.file("base"))
        try SyntheticSpeaker(index: 2, seed: 5).write(to: scratch.file("person"), seconds: 8, fps: 25, size: 32)
        let recipe = scratch.file("distill.json")
        try Data(#"{"teacher_steps": 4, "steps": 6, "warmup": 1, "frame_stride": 20}"#.utf8).write(to: recipe)
        func distill(_ out: String) -> [String] {
            ["distill", "--speaker", scratch.file("base").path, "--data", scratch.file("person").path, "--recipe", recipe.path,
             "--batch", "4", "--checkpoint-every", "2", "--out", scratch.file(out).path]
        }
        try run(ranks: 0, distill("single"))
        try run(ranks: 2, distill("pair"))
        let teacher = try DiffAE.load(checkpoint: scratch.file("base/dae.h5")).namedState()
        let single = try DiffAE.load(checkpoint: scratch.file("single/student.h5")).namedState()
        let pair = try DiffAE.load(checkpoint: scratch.file("pair/student.h5")).namedState()
        var (difference, moved) = (0.0, 0.0)
        for (((key, a), (_, b)), (_, start)) in zip(zip(pair, single), teacher) {
            XCTAssertEqual(a.shape, b.shape, key)
            for ((u, v), w) in zip(zip(a.values, b.values), start.values) {
                difference += Double(u - v) * Double(u - v)
                moved += Double(v - w) * Double(v - w)
            }
        }
        let ratio = (difference / moved).squareRoot()
        print("student: ‖2 ranks − 1 process‖ / ‖1 process − teacher‖ = \(String(format: "%.2e", ratio))")
        XCTAssertGreaterThan(moved, 0, "the student trained")
        XCTAssertLessThan(ratio, 5e-3, "the students differ by \(ratio) of how far distillation moved them")
    }

    /// `s2l train` on 2 ranks: the ranks stay identical (the loop checks at every checkpoint),
    /// rank 0 writes the run, and one process resumes it. Not compared with one process's
    /// weights: BatchNorm normalises each rank's windows by their own statistics.
    func testSpeechToLatentTrainsOnTwoRanksAndResumesOnOne() throws {
        let scratch = try TemporaryDirectory()
        let synth = try launch(ranks: 0, ["synth", "--out", scratch.url.path, "--speakers", "1", "--minutes", "0.1", "--size", "32", "--seed", "7"])
        synth.standardError = FileHandle.nullDevice
        try synth.run()
        synth.waitUntilExit()
        XCTAssertEqual(synth.terminationStatus, 0)
        let data = scratch.file("speaker_00")
        let frames = try SpeakerDataset(at: data).frameCount
        var rng = SplitMix64(seed: 5)
        try Latents(zSem: Tensor.testRandom([frames, 8], using: &rng)).write(to: scratch.file("latents.h5"))
        let out = scratch.file("s2l")
        let train = ["s2l", "train", "--preset", "tiny", "--data", data.path, "--latents", scratch.file("latents.h5").path,
                     "--out", out.path, "--batch", "4", "--checkpoint-every", "3"]
        try run(ranks: 2, train + ["--steps", "6"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("eval.json").path), "rank 0 evaluates")
        try run(ranks: 0, train + ["--steps", "8", "--resume"])
    }

    /// A global batch that does not split over the ranks is refused, on every rank, in words.
    func testABatchThatDoesNotSplitIsRefused() throws {
        let scratch = try TemporaryDirectory()
        let data = scratch.file("speaker")
        try DAETestData.write(to: data, count: 80, size: 32)
        let (status, text) = try runToEnd(ranks: 2, try train(data, scratch.file("run"), steps: 5, batch: 3))
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(text.contains("--batch 3 is the global batch, split evenly over the 2 ranks; give a multiple of 2"), text)
    }

    /// Killing rank 1 (SIGKILL) or stopping it (SIGSTOP: a hung rank, which the launcher does
    /// not notice) mid-run ends the whole job within seconds; the last checkpoint loads.
    func testARankThatDiesOrHangsEndsTheJobAndLeavesTheCheckpoint() throws {
        for signal in [SIGKILL, SIGSTOP] {
            let scratch = try TemporaryDirectory()
            let data = scratch.file("speaker")
            try DAETestData.write(to: data, count: 80, size: 32)
            let run = scratch.file("run")
            let process = try launch(ranks: 2, try train(data, run, steps: 100_000, extra: ["--checkpoint-every", "3"]),
                                     environment: ["TALKINGFACE_MPI_TIMEOUT": "3"])
            let errorFile = scratch.file("errors.txt")
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

            let checkpoint = run.appendingPathComponent("checkpoint.h5")
            let started = Date()
            while !FileManager.default.fileExists(atPath: checkpoint.path) && Date().timeIntervalSince(started) < 60 && process.isRunning {
                Thread.sleep(forTimeInterval: 0.1)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), "no checkpoint within a minute")
            let rank1 = try XCTUnwrap(Self.rank(1, under: process.processIdentifier), "rank 1's process not found")
            kill(rank1, signal)
            let killed = Date()
            while process.isRunning && Date().timeIntervalSince(killed) < 30 { Thread.sleep(forTimeInterval: 0.05) }
            let seconds = Date().timeIntervalSince(killed)
            if signal == SIGSTOP { kill(rank1, SIGKILL) }
            XCTAssertFalse(process.isRunning, "signal \(signal): the job still runs 30 s after rank 1 went")
            process.waitUntilExit()
            let errors = try String(contentsOf: errorFile, encoding: .utf8)
            XCTAssertNotEqual(process.terminationStatus, 0, errors)
            XCTAssertLessThan(seconds, 15, "signal \(signal): the job took \(seconds) s to end:\n\(errors)")
            if signal == SIGSTOP {
                XCTAssertTrue(errors.contains("for the other ranks"), "the waiting rank says why it ends the job:\n\(errors)")
            }
            print("signal \(signal): the job ended \(String(format: "%.1f", seconds)) s after rank 1 went")

            // The last checkpoint is whole: it loads with its training state, and resumes.
            let model = try DiffAE.load(checkpoint: checkpoint)
            let state = try Checkpoint.load(into: model, from: checkpoint)
            let step = try XCTUnwrap(state.integers["step"]?.first)
            XCTAssertEqual(step % 3, 0)
            try self.run(ranks: 0, ["dae", "train", "--out", run.path, "--resume", "--steps", String(step + 1)])
        }
    }

    /// The process id of MPI rank `rank` among the descendants of `launcher`.
    static func rank(_ rank: Int, under launcher: Int32) -> Int32? {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        func parent(_ pid: Int32) -> Int32? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            return stat[stat.index(close, offsetBy: 2)...].split(separator: " ").dropFirst().first.flatMap { Int32($0) }
        }
        func descends(_ pid: Int32) -> Bool {
            var current = pid
            for _ in 0..<8 {
                guard let up = parent(current), up > 1 else { return false }
                if up == launcher { return true }
                current = up
            }
            return false
        }
        return processes.first { pid in
            guard descends(pid), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environ.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }
}
