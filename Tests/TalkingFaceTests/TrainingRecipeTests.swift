import DiffusionAutoencoder
import Disentanglement
import Foundation
import TalkingFace
import TestSupport
import XCTest

/// Training recipes (`--recipe FILE.json`): their JSON form round-trips, a misspelt, mistyped
/// or out-of-range field is an error that names it, and run records written before recipes
/// (options.json, run.json, finetune.json with their earlier keys) still read.
final class TrainingRecipeTests: XCTestCase {

    private func dae(_ json: String, file: String? = "runs/x.json") throws -> DAETrainingOptions {
        try RecipeFile.decode(DAETrainingOptions.self, from: Data(json.utf8), file: file).value
    }

    private func assertError(_ body: @autoclosure () throws -> Any, field: String, saying words: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? RecipeError else { return XCTFail("not a RecipeError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(words), "expected “\(words)” in: \(error)", file: file, line: line)
        }
    }

    func testDAERecipeRoundTrips() throws {
        var options = DAETrainingOptions(data: ["/data/a", "/data/b"], preset: .tiny, steps: 900, warmupSteps: 50)
        options.batchSize = 4
        options.learningRate = 2e-5
        options.seed = 7
        options.checkpointEvery = 25
        options.emaDecay = 0.99
        options.heldOutFraction = 0.2
        options.initialWeights = "/runs/a/dae.h5"
        options.semanticGain = 1000
        options.prediction = .v
        options.motionWeight = 50
        options.encoderRateScale = 0.01
        options.semanticRateScale = 1000
        options.latentSplit = LatentSplit(id: 8, pose: 8, expression: 16)
        options.latentSplitWeights = LatentSplitWeights(swap: 0, poseReadout: 10, identityReadout: 2)
        options.latentSplitErasure = true
        let (decoded, fields) = try RecipeFile.decode(DAETrainingOptions.self, from: JSONEncoder().encode(options))
        XCTAssertEqual(decoded, options)
        XCTAssertTrue(fields.isSubset(of: Set(DAETrainingOptions.recipeFields)), "\(fields)")
        XCTAssertTrue(fields.isSuperset(of: ["lr", "ema", "warmup", "split", "split_weights", "split_erasure", "motion_weight"]), "\(fields)")

        // A field left out keeps its default; the warm-up follows the steps.
        let small = try dae(#"{"prediction": "v", "steps": 1000, "split_weights": {"pose_readout": 10}}"#)
        XCTAssertEqual(small.prediction, .v)
        XCTAssertEqual(small.warmupSteps, 100)
        XCTAssertEqual(small.emaDecay, 0.999)
        XCTAssertEqual(small.latentSplitWeights, LatentSplitWeights(poseReadout: 10))
    }

    func testDAERecipeErrorsNameTheField() throws {
        assertError(try dae(#"{"semantic_gian": 3}"#), field: "",
                    saying: "runs/x.json: unknown field 'semantic_gian' (known: data, preset, steps")
        assertError(try dae(#"{"split_weights": {"pose_redout": 1}}"#), field: "split_weights",
                    saying: "runs/x.json: split_weights: unknown field 'pose_redout' (known: swap, id_variance")
        assertError(try dae(#"{"split": {"id": 8, "pose": 8, "exp": 16}}"#), field: "split", saying: "unknown field 'exp'")
        assertError(try dae(#"{"motion_weight": "50"}"#), field: "motion_weight", saying: "runs/x.json: motion_weight: must be a number")
        assertError(try dae(#"{"flip": 1}"#), field: "flip", saying: "must be true or false")
        assertError(try dae(#"{"steps": 2.5}"#), field: "steps", saying: "steps: must be a whole number (got 2.5)")
        assertError(try dae(#"{"seed": -1}"#), field: "seed", saying: "must be a whole number ≥ 0")
        assertError(try dae(#"{"data": ["a", 3]}"#), field: "data[1]", saying: "must be a string")
        assertError(try dae(#"{"prediction": "x0"}"#), field: "prediction", saying: "must be one of epsilon, v (got 'x0')")
        assertError(try dae(#"[1, 2]"#), field: "", saying: "must be an object")
        assertError(try dae(#"{"lr": "#), field: "", saying: "is not valid JSON")
        // A run's state is not a setting.
        assertError(try dae(#"{"training_frames": 10}"#), field: "", saying: "unknown field 'training_frames'")

        func invalid(_ json: String) throws -> DAETrainingOptions {
            var options = try dae(json)
            options.data = ["/data/a", "/data/b"]
            try options.validate()
            return options
        }
        let split = #""preset": "tiny", "split": {"id": 8, "pose": 8, "expression": 16}"#
        assertError(try invalid("{\(split), \"split_weights\": {\"pose_readout\": -1}}"), field: "split_weights.pose_readout",
                    saying: "split_weights.pose_readout: must be ≥ 0 (got -1)")
        XCTAssertThrowsError(try invalid("{\(split), \"split_weights\": {\"pose_readout\": -1}}")) { error in
            XCTAssertEqual((error as? RecipeError)?.inFile("runs/x.json").description,
                           "runs/x.json: split_weights.pose_readout: must be ≥ 0 (got -1)")
        }
        assertError(try invalid(#"{"preset": "tiny", "split": {"id": 8, "pose": 8, "expression": 8}}"#), field: "split", saying: "32 channels")
        assertError(try invalid(#"{"preset": "tiny", "split": {"id": -8, "pose": 24, "expression": 16}}"#), field: "split.id", saying: "must be ≥ 0")
        assertError(try invalid(#"{"high_noise_share": 2}"#), field: "high_noise_share", saying: "must be in 0…1 (got 2.0)")
        assertError(try invalid(#"{"semantic_gain": 1000}"#), field: "semantic_gain", saying: "initial")
        assertError(try invalid(#"{"steps": 100, "warmup": 200}"#), field: "warmup", saying: "must be in 0…100")
        assertError(try invalid(#"{"split_erasure": true}"#), field: "split_erasure", saying: "give split too")
        XCTAssertNoThrow(try invalid("{\(split), \"split_weights\": {\"pose_readout\": 10}, \"split_erasure\": true}"))
    }

    /// options.json as runs wrote it before recipes: the property names in snake_case.
    func testEarlierOptionsFilesStillRead() throws {
        let scratch = try TemporaryDirectory()
        let old = """
        {"batch_size": 4, "checkpoint_every": 250, "data": ["/data/a", "/data/b"], "ema_decay": 0.99, "gap_seconds": 1,
         "gradient_clip": 1, "held_out_fraction": 0.2, "horizontal_flip": false, "initial_weights": "/runs/a/dae.h5",
         "latent_split": {"expression": 16, "id": 8, "pose": 8}, "latent_split_erasure": true,
         "latent_split_weights": {"decorrelation": 0.1, "id_variance": 0.1, "pose": 10, "speaker_share": 0.1, "swap": 1, "pose_readout": 10},
         "learning_rate": 2e-05, "preset": "tiny", "seed": 3, "semantic_gain": 1000, "encoder_rate_scale": 0.5, "semantic_rate_scale": 10,
         "steps": 900, "training_frames": 123, "warmup_steps": 50, "weight_decay": 0, "prediction": "v"}
        """
        let url = scratch.file("options.json")
        try Data(old.utf8).write(to: url)
        let options = try DAETrainingOptions.read(url)
        XCTAssertEqual(options.batchSize, 4)
        XCTAssertEqual(options.learningRate, 2e-5)
        XCTAssertEqual(options.emaDecay, 0.99)
        XCTAssertEqual(options.warmupSteps, 50)
        XCTAssertEqual(options.heldOutFraction, 0.2)
        XCTAssertEqual(options.initialWeights, "/runs/a/dae.h5")
        XCTAssertEqual(options.encoderRateScale, 0.5)
        XCTAssertEqual(options.semanticRateScale, 10)
        XCTAssertEqual(options.latentSplit, LatentSplit(id: 8, pose: 8, expression: 16))
        XCTAssertEqual(options.latentSplitWeights, LatentSplitWeights(poseReadout: 10))
        XCTAssertEqual(options.latentSplitErasure, true)
        XCTAssertEqual(options.trainingFrames, 123)
        XCTAssertEqual(options.prediction, .v)
        // Written back, it takes today's keys and reads the same.
        try options.write(to: url)
        XCTAssertEqual(try DAETrainingOptions.read(url), options)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]).keys
        XCTAssertTrue(Set(keys).isSubset(of: Set(DAETrainingOptions.recipeFields + ["training_frames"])), "\(keys)")
        // As a recipe, the earlier keys are unknown.
        assertError(try dae(old), field: "", saying: "unknown field 'batch_size'")
    }

    func testSpeechAndFineTuneRecipes() throws {
        var s2l = SpeechToLatentTrainingOptions()
        s2l.preset = .tiny
        s2l.steps = 30
        s2l.warmupSteps = 3
        s2l.maxGradientNorm = 0.5
        s2l.initialWeights = "/runs/s2l.h5"
        XCTAssertEqual(try RecipeFile.decode(SpeechToLatentTrainingOptions.self, from: JSONEncoder().encode(s2l)).value, s2l)
        assertError(try RecipeFile.decode(SpeechToLatentTrainingOptions.self, from: Data(#"{"stpes": 3}"#.utf8), file: "s.json"),
                    field: "", saying: "s.json: unknown field 'stpes' (known: preset, steps")
        assertError(try RecipeFile.decode(SpeechToLatentTrainingOptions.self, from: Data(#"{"preset": "huge"}"#.utf8)),
                    field: "preset", saying: "must be one of cpu, diffdub, tiny")
        var negative = SpeechToLatentTrainingOptions()
        negative.heldOutFraction = -0.1
        assertError(try negative.validate(), field: "held_out", saying: "must be in [0, 1)")

        // run.json as runs wrote it before recipes.
        let scratch = try TemporaryDirectory()
        let run = scratch.file("run.json")
        try Data(#"{"sources": [], "options": {"steps": 3000, "batchSize": 4, "learningRate": 0.0002, "seed": 1, "checkpointEvery": 100, "maxGradientNorm": 1, "heldOutFraction": 0.1, "gapSeconds": 1}, "pose_units": "degrees"}"#.utf8).write(to: run)
        let info = try SpeechToLatentRunInfo.read(run)
        XCTAssertEqual([info.options.steps, info.options.batchSize, info.options.checkpointEvery], [3000, 4, 100])
        XCTAssertEqual(info.options.learningRate, 2e-4)

        var fineTune = FineTuneOptions(base: "/w/default", data: "/d/me", name: "me")
        fineTune.daeLearningRate = 5e-5
        fineTune.referenceFrame = 12
        fineTune.motionWeight = 50
        fineTune.highNoiseShare = 0.5
        XCTAssertEqual(try RecipeFile.decode(FineTuneOptions.self, from: JSONEncoder().encode(fineTune)).value, fineTune)
        fineTune.highNoiseShare = 1.5
        assertError(try fineTune.validate(), field: "high_noise_share", saying: "must be in 0…1 (got 1.5)")
        assertError(try RecipeFile.decode(FineTuneOptions.self, from: Data(#"{"dae_stpes": 3}"#.utf8)), field: "", saying: "unknown field 'dae_stpes'")
        assertError(try RecipeFile.decode(FineTuneOptions.self, from: Data(#"{"reference_frame": "last"}"#.utf8)),
                    field: "reference_frame", saying: "must be a whole number")
        let finetuneJSON = scratch.file("finetune.json")
        try Data(#"{"base": "/w/default", "data": "/d/me", "name": "me", "dae_steps": 10, "s2l_steps": 20, "batch_size": 4, "dae_learning_rate": 5e-05, "s2l_learning_rate": 0.0001, "seed": 0, "checkpoint_every": 100}"#.utf8).write(to: finetuneJSON)
        let earlier = try FineTuneOptions.read(finetuneJSON)
        XCTAssertEqual(earlier.batchSize, 4)
        XCTAssertEqual(earlier.daeLearningRate, 5e-5)
    }

    /// Every stage of the shipped bundles' recipes is a valid training recipe.
    func testShippedBundleRecipesAreValid() throws {
        for name in ["default", "photo128"] {
            let url = repositoryDirectory.appendingPathComponent("Weights/\(name)/recipe.json")
            let bundle = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            let stages = try XCTUnwrap(bundle["dae"] as? [[String: Any]])
            XCTAssertFalse(stages.isEmpty)
            for (index, stage) in stages.enumerated() {
                let recipe = try JSONSerialization.data(withJSONObject: try XCTUnwrap(stage["recipe"]))
                var options = try RecipeFile.decode(DAETrainingOptions.self, from: recipe, file: "\(name) stage \(index)").value
                options.data = ["/data/speaker_00"]
                options.steps = try XCTUnwrap(stage["steps"] as? Int)
                if stage["from_previous"] is String { options.initialWeights = "/previous/dae.h5" }
                XCTAssertNoThrow(try options.validate(), "\(name) stage \(index)")
                XCTAssertEqual(index == 0, !(stage["from_previous"] is String), "\(name): only the first stage starts from random weights")
            }
            let s2l = try XCTUnwrap(bundle["s2l"] as? [String: Any])
            if let recipe = s2l["recipe"] {
                XCTAssertNoThrow(try RecipeFile.decode(SpeechToLatentTrainingOptions.self, from: JSONSerialization.data(withJSONObject: recipe)))
            }
            if let distill = bundle["distill"] as? [String: Any] {
                let recipe = try JSONSerialization.data(withJSONObject: try XCTUnwrap(distill["recipe"]))
                XCTAssertNoThrow(try RecipeFile.decode(DistillationOptions.self, from: recipe, file: "\(name) distill"))
            }
        }
    }

    /// The example recipes (Examples/recipes) are valid for two cpu64 data sets.
    func testExampleRecipesAreValid() throws {
        let folder = repositoryDirectory.appendingPathComponent("Examples/recipes")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            var options = try RecipeFile.read(DAETrainingOptions.self, from: folder.appendingPathComponent(file).path).value
            options.data = ["/data/speaker_00", "/data/speaker_01"]
            XCTAssertNoThrow(try options.validate(), file)
        }
    }

    /// `reproduce_bundle.py --dry-run` prints the commands that make each shipped bundle.
    func testReproduceBundleDryRun() throws {
        func dryRun(_ recipe: String) throws -> [String] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "Scripts/reproduce_bundle.py", recipe, "--out", "OUT", "--tool", "tf", "--dry-run"]
            process.currentDirectoryURL = repositoryDirectory
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, text)
            return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("$ ") }
        }
        XCTAssertEqual(try dryRun("Weights/default/recipe.json"), [
            "$ tf synth --out OUT/data --speakers 6 --minutes 4 --size 64 --seed 1",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/01_scratch_1 --recipe OUT/recipes/dae_01_scratch_1.json --steps 1000 --seed 8",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/02_scratch_2 --recipe OUT/recipes/dae_02_scratch_2.json --steps 4226 --seed 9 --initial OUT/dae/01_scratch_1/checkpoint.h5",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/03_dark_1 --recipe OUT/recipes/dae_03_dark_1.json --steps 2000 --seed 14 --initial OUT/dae/02_scratch_2/dae.h5",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/04_dark_2 --recipe OUT/recipes/dae_04_dark_2.json --steps 1500 --seed 15 --initial OUT/dae/03_dark_1/dae.h5",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/05_look --recipe OUT/recipes/dae_05_look.json --steps 5000 --seed 16 --initial OUT/dae/04_dark_2/dae.h5",
            "$ tf dae encode --model OUT/dae/05_look/dae.h5 --data OUT/data/speaker_00 --out OUT/latents.h5",
            "$ tf s2l train --data OUT/data/speaker_00 --latents OUT/latents.h5 --out OUT/s2l --recipe OUT/recipes/s2l.json --steps 3000 --seed 1",
            "$ tf bundle --dae OUT/dae/05_look/dae.h5 --s2l OUT/s2l/s2l.h5 --data OUT/data/speaker_00 --latents OUT/latents.h5 --steps 20 --refinements 2 --name 'synthetic speaker 00' --made-by recipe=recipe.json --out OUT/speaker --reference-frame 2980",
            "$ cp Weights/default/recipe.json OUT/speaker/recipe.json",
            "$ tf distill --speaker OUT/speaker --data OUT/data/speaker_00 --out OUT/student --run OUT/student.run --recipe OUT/recipes/distill.json --steps 400 --seed 1",
            "$ cp Weights/default/recipe.json OUT/student/recipe.json",
        ])
        XCTAssertEqual(try dryRun("Weights/photo128/recipe.json"), [
            "$ tf synth --out OUT/data --photo astronaut.png --speakers 1 --minutes 4 --size 128 --seed 1",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/01_a --recipe OUT/recipes/dae_01_a.json --steps 1000 --seed 21",
            "$ tf dae train --data OUT/data/speaker_00 --out OUT/dae/02_b --recipe OUT/recipes/dae_02_b.json --steps 6560 --seed 22 --initial OUT/dae/01_a/checkpoint.h5",
            "$ tf dae encode --model OUT/dae/02_b/dae.h5 --data OUT/data/speaker_00 --out OUT/latents.h5",
            "$ tf s2l train --data OUT/data/speaker_00 --latents OUT/latents.h5 --out OUT/s2l --recipe OUT/recipes/s2l.json --steps 3000 --seed 1",
            "$ tf bundle --dae OUT/dae/02_b/dae.h5 --s2l OUT/s2l/s2l.h5 --data OUT/data/speaker_00 --latents OUT/latents.h5 --steps 20 --refinements 2 --name 'photo speaker: astronaut' --made-by recipe=recipe.json --out OUT/speaker",
            "$ cp Weights/photo128/recipe.json OUT/speaker/recipe.json",
        ])
    }
}
