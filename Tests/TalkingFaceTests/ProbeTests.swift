import DiffusionAutoencoder
import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import DrawnFace
import Disentanglement
import TestSupport

/// Normal samples from a fixed seed (the library's generator, so no test-only RNG).
func normals(_ count: Int, seed: UInt64) -> [Double] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in Double(rng.normal()) }
}

final class RidgeRegressionTests: XCTestCase {
    /// y = x·W + b + small noise, x with very different column scales.
    func linearProblem(rows: Int, seed: UInt64) -> (x: Matrix, y: Matrix) {
        let scales = [1.0, 10, 0.1, 3, 0.5]
        let w: [[Double]] = [[1, -2], [0.3, 0], [5, 1], [0, 0.5], [-1, 2]]  // (5, 2)
        let raw = normals(rows * 5, seed: seed), noise = normals(rows * 2, seed: seed + 1)
        var x = Matrix(rows: rows, columns: 5), y = Matrix(rows: rows, columns: 2)
        for r in 0..<rows {
            for c in 0..<5 { x[r, c] = raw[r * 5 + c] * scales[c] + 7 }
            for t in 0..<2 {
                y[r, t] = 4 + 0.001 * noise[r * 2 + t]
                for c in 0..<5 { y[r, t] += x[r, c] * w[c][t] }
            }
        }
        return (x, y)
    }

    func testRecoversAKnownLinearMap() {
        let train = linearProblem(rows: 200, seed: 1), validation = linearProblem(rows: 50, seed: 3), test = linearProblem(rows: 100, seed: 5)
        let probe = RidgeRegression(train: train, validation: validation)
        for r2 in rSquared(prediction: probe.predict(test.x), truth: test.y) { XCTAssertGreaterThan(r2, 0.9999) }
        XCTAssertEqual(probe.lambdas, [1e-6, 1e-6], "no shrinkage helps a noiseless linear map")
        // Weights on standardised features are the true ones times each feature's std.
        XCTAssertEqual(probe.weights[2, 0] * probe.featureScale[2], 5, accuracy: 0.01)
        XCTAssertEqual(probe.weights[1, 1] * probe.featureScale[1], 0, accuracy: 0.01)
    }

    func testIndependentNoiseGivesZeroHeldOutR2() {
        func noise(_ rows: Int, _ seed: UInt64) -> (x: Matrix, y: Matrix) {
            (Matrix(rows: rows, columns: 5, values: normals(rows * 5, seed: seed)),
             Matrix(rows: rows, columns: 1, values: normals(rows, seed: seed + 100)))
        }
        let probe = RidgeRegression(train: noise(1000, 1), validation: noise(300, 2))
        let r2 = rSquared(prediction: probe.predict(noise(1000, 3).x), truth: noise(1000, 3).y)[0]
        XCTAssertEqual(r2, 0, accuracy: 0.02)
        XCTAssertLessThan(r2, 0.01, "noise cannot be predicted")
    }

    /// R² against a direct computation (the metrics module's own, written independently).
    func testHeldOutR2MatchesDirectComputation() {
        let train = linearProblem(rows: 60, seed: 7)
        var test = linearProblem(rows: 40, seed: 8)
        for r in 0..<40 { test.y[r, 1] += normals(40, seed: 9)[r] * 3 }  // make it imperfect
        let prediction = RidgeRegression(x: train.x, y: train.y, lambda: 0.1).predict(test.x)
        let ours = rSquared(prediction: prediction, truth: test.y)
        for t in 0..<2 {
            let direct = Agreement.rSquared(prediction: prediction.column(t), truth: test.y.column(t))
            XCTAssertEqual(ours[t], direct, accuracy: 1e-9)
        }
        XCTAssertLessThan(ours[1], 0.99)
        XCTAssertTrue(rSquared(prediction: prediction, truth: Matrix(rows: 40, columns: 2, repeating: 1)).allSatisfy(\.isNaN))
    }

    func testCholeskySolve() {
        let m = Matrix(rows: 6, columns: 4, values: normals(24, seed: 4))
        var a = m.multiplied(by: m, transposeSelf: true)
        for i in 0..<4 { a[i, i] += 0.5 }
        let b = Matrix(rows: 4, columns: 3, values: normals(12, seed: 6))
        let x = choleskySolve(a, b)!
        let back = a.multiplied(by: x)
        for i in 0..<12 { XCTAssertEqual(back.values[i], b.values[i], accuracy: 1e-10) }
        XCTAssertNil(choleskySolve(Matrix([[1, 2], [2, 1]]), Matrix([[1], [1]])), "indefinite")
    }
}

final class DisentanglementTests: XCTestCase {
    func testDiagonalImportanceIsPerfect() {
        let dci = DCIScores(importance: Matrix([[0.7, 0, 0], [0, 2, 0], [0, 0, 0.1]]))
        XCTAssertEqual(dci.disentanglement, 1, accuracy: 1e-12)
        XCTAssertEqual(dci.completeness, 1, accuracy: 1e-12)
        // A permuted diagonal is just as good; an unused code is ignored.
        let permuted = DCIScores(importance: Matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0]]))
        XCTAssertEqual(permuted.disentanglement, 1, accuracy: 1e-12)
        XCTAssertTrue(permuted.perCode[3].isNaN)
    }

    func testUniformImportanceIsZero() {
        let dci = DCIScores(importance: Matrix(rows: 4, columns: 3, repeating: 0.3))
        XCTAssertEqual(dci.disentanglement, 0, accuracy: 1e-12)
        XCTAssertEqual(dci.completeness, 0, accuracy: 1e-12)
    }

    /// One code for two factors: D of that code is 1 − log_3 2; C of those factors stays 1.
    func testSharedCode() {
        let dci = DCIScores(importance: Matrix([[1, 1, 0], [0, 0, 1]]))
        XCTAssertEqual(dci.perCode[0], 1 - log(2) / log(3), accuracy: 1e-12)
        XCTAssertEqual(dci.completeness, 1, accuracy: 1e-12)
    }
}

final class LatentProbeTests: XCTestCase {
    /// Latents built to be split perfectly (z_id from identity, z_pose from pose, z_exp
    /// from expression): diagonal R² ≈ 1, off-diagonal ≈ 0, DCI over parts ≈ 1. The same
    /// latents mixed by a random rotation lose the diagonal.
    func testPerfectlySplitLatentsGiveADiagonalTable() {
        let speakers = 5, perSpeaker = 120, n = speakers * perSpeaker
        let identity = normals(speakers * 4, seed: 1), pose = normals(n * 3, seed: 2), expression = normals(n * 6, seed: 3)
        var z = Matrix(rows: n, columns: 13)
        var factors: [FactorGroup: Matrix] = [.identity: Matrix(rows: n, columns: 4), .pose: Matrix(rows: n, columns: 3),
                                              .expression: Matrix(rows: n, columns: 6)]
        var roles: [ProbeRole] = []
        for s in 0..<speakers {
            for f in 0..<perSpeaker {
                let r = s * perSpeaker + f
                roles.append(f < 70 ? .fit : f < 90 ? .validation : .test)
                for c in 0..<4 { factors[.identity]![r, c] = identity[s * 4 + c]; z[r, c] = identity[s * 4 + c] * 2 + 1 }
                for c in 0..<3 { factors[.pose]![r, c] = pose[r * 3 + c]; z[r, 4 + c] = -pose[r * 3 + c] }
                for c in 0..<6 { factors[.expression]![r, c] = expression[r * 6 + c]; z[r, 7 + c] = expression[r * 6 + c] * 0.5 }
            }
        }
        let split = LatentSplit(id: 4, pose: 3, expression: 6)
        let report = LatentProbe.analyse(ProbeSamples(z: z, factors: factors, factorNames: [:], roles: roles), split: split)
        XCTAssertEqual(report.groups, [.identity, .pose, .expression])
        for i in 0..<3 {
            for j in 0..<3 {
                if i == j { XCTAssertGreaterThan(report.r2[i][j], 0.99, "\(i),\(j)") } else { XCTAssertLessThan(report.r2[i][j], 0.1, "\(i),\(j)") }
            }
        }
        XCTAssertGreaterThan(report.dciParts.disentanglement, 0.95)
        XCTAssertGreaterThan(report.dciParts.completeness, 0.95)
        XCTAssertTrue(report.table().contains("part    dims    identity        pose  expression\n"), report.table())

        // Rotate all 13 channels together: information stays, the split goes.
        let q = Matrix(rows: 13, columns: 13, values: normals(169, seed: 9))
        let mixed = LatentProbe.analyse(ProbeSamples(z: z.multiplied(by: q), factors: factors, factorNames: [:], roles: roles), split: split)
        XCTAssertGreaterThan(mixed.r2[3][1], 0.99, "the whole z still knows the pose")
        XCTAssertLessThan(mixed.dciParts.disentanglement, 0.8)
    }

    /// The `talkingface` executable built next to this test bundle.
    static let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("talkingface")

    /// Two 6-second synthetic speakers at 32×32, made once by `talkingface synth` in its own
    /// process (espeak-ng keeps state between calls in a process, which other tests' exact
    /// speech lengths would feel).
    static let speakerFolder: (scratch: TemporaryDirectory, roots: [URL]) = {
        let scratch = try! TemporaryDirectory()
        let process = Process()
        process.executableURL = tool
        process.arguments = ["synth", "--out", scratch.url.path, "--speakers", "2", "--minutes", "0.1", "--size", "32", "--seed", "7"]
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
        return (scratch, ["speaker_00", "speaker_01"].map { scratch.file($0) })
    }()

    /// The expression's smile is the smile beyond the speaker's rest smile (which identity
    /// holds as rest_smile); every other factor is factors.csv's as written.
    func testSmileIsCountedBeyondTheRestSmile() throws {
        for root in LatentProbeTests.speakerFolder.roots {
            let dataset = try SpeakerDataset(at: root)
            let factors = try GroundTruthFactors(dataset)
            let csv = try CSVTable.read(root.appendingPathComponent("factors.csv"))
            let identity = try JSONDecoder().decode(FaceIdentity.self, from: Data(dataset.meta.source!["identity"]!.utf8))
            let names = try XCTUnwrap(factors.columns[.expression]), values = try XCTUnwrap(factors.values[.expression])
            for (c, name) in names.enumerated() {
                let written = try csv.column(name, in: root)
                let offset = name == "smile" ? Double(identity.restSmile) : 0
                for r in Swift.stride(from: 0, to: values.rows, by: 17) {
                    XCTAssertEqual(values[r, c], Double(written[r]) - offset, accuracy: 1e-6, "\(name), frame \(r)")
                }
            }
            let rest = try XCTUnwrap(factors.columns[.identity]?.firstIndex(of: "rest_smile"))
            XCTAssertEqual(factors.values[.identity]![0, rest], Double(identity.restSmile), accuracy: 1e-6)
        }
    }

    /// A tiny random model (16×16, z_sem 9).
    func tinyModel() -> DiffAE {
        var rng = RandomGenerator(seed: 1)
        return DiffAE(config: DiffAEConfig(imageSize: 16, channels: 8, channelMult: [1, 1], resBlocks: 1, attentionResolutions: [],
                                           embedChannels: 16, encoderChannelMult: [1, 1], encoderResBlocks: 1, zSemChannels: 9,
                                           dropout: 0), rng: &rng).eval()
    }

    /// The probe end to end on a tiny random model and two short synthetic speakers: report,
    /// JSON, text table and one traversal grid per part.
    func testProbeEndToEndWritesTableJSONAndGrids() throws {
        guard FileManager.default.isExecutableFile(atPath: LatentProbeTests.tool.path) else {
            return XCTFail("\(LatentProbeTests.tool.path) is missing; build all products (swift build --build-tests)")
        }
        let scratch = try TemporaryDirectory()
        let datasets = try LatentProbeTests.speakerFolder.roots.map { try SpeakerDataset(at: $0) }
        let model = tinyModel()
        let out = scratch.file("probe")
        let report = try LatentProbe.run(
            model: model, datasets: datasets, split: .thirds(of: 9), splitIsThirds: true,
            sampling: .init(maxFramesPerSpeaker: 150), traversal: TraversalOptions(rows: 2, steps: 3, decodeSteps: 2), out: out)
        XCTAssertEqual(report.groups, [.identity, .pose, .expression])
        XCTAssertEqual(report.parts, ["id", "pose", "exp", "all"])
        XCTAssertEqual(report.r2.count, 4)
        XCTAssertEqual(report.frames["test"], 60)
        XCTAssertTrue(Set(report.factorR2["pose"]?.keys ?? [:].keys).isSuperset(of: ["yaw", "roll", "jaw_open", "blink", "head_width", "skin_r"]))
        for name in ["probe.json", "probe.txt", "traversal_id.png", "traversal_pose.png", "traversal_exp.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("probe.json"))) as? [String: Any]
        XCTAssertEqual((json?["r2"] as? [[Any]])?.count, 4)
        let grid = try PNG.read(out.appendingPathComponent("traversal_pose.png"))
        XCTAssertEqual(grid.width, 3 * (16 + 2) + 2)
        XCTAssertEqual(grid.height, 2 * (16 + 2) + 2)

        XCTAssertThrowsError(try LatentProbe.run(model: model, datasets: datasets, split: LatentSplit(id: 2, pose: 2, expression: 2),
                                                 splitIsThirds: false, out: out)) { error in
            XCTAssertTrue("\(error)".contains("z_sem has 9 channels"), "\(error)")
        }
    }

    /// `talkingface probe` as a process: the split from the checkpoint's sidecar, the table
    /// on stdout, the files in --out; a split that does not fit z_sem fails with a message,
    /// and so does a --speaker that is not a speaker bundle.
    func testProbeCommand() throws {
        let tool = LatentProbeTests.tool
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            return XCTFail("\(tool.path) is missing; build all products (swift build --build-tests)")
        }
        let scratch = try TemporaryDirectory()
        let checkpoint = scratch.file("dae.h5")
        try tinyModel().save(to: checkpoint)
        try LatentSplit(id: 2, pose: 3, expression: 4).write(to: LatentSplit.sidecar(of: checkpoint))
        func probe(_ extra: [String], model: [String]? = nil) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = tool
            process.arguments = ["probe"] + (model ?? ["--model", scratch.url.path]) + ["--out", scratch.file("out").path,
                                 "--traversal-rows", "1", "--traversal-steps", "2", "--steps", "2"]
                + LatentProbeTests.speakerFolder.roots.flatMap { ["--data", $0.path] } + extra
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            let output = stdout.fileHandleForReading.readDataToEndOfFile() + stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output, as: UTF8.self))
        }
        let ok = try probe([])
        XCTAssertEqual(ok.status, 0, ok.output)
        XCTAssertTrue(ok.output.contains("DCI over parts"), ok.output)
        XCTAssertFalse(ok.output.contains("thirds"), "the sidecar's split is used")
        let report = try ProbeReport.read(scratch.file("out/probe.json"))
        XCTAssertEqual(report.split, LatentSplit(id: 2, pose: 3, expression: 4))
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.file("out/traversal_exp.png").path))

        let bad = try probe(["--split", "4,4,4"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("z_sem has 9 channels"), bad.output)

        let file = try probe([], model: ["--speaker", checkpoint.path])
        XCTAssertNotEqual(file.status, 0)
        XCTAssertTrue(file.output.contains("--speaker takes a speaker bundle folder") && file.output.contains("--model"), file.output)
        let run = try probe([], model: ["--speaker", scratch.url.path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("speaker bundle is missing"), run.output)
    }
}
