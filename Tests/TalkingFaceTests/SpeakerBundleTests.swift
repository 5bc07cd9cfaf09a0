import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest
import Datasets
import TestSupport

final class SpeakerBundleTests: XCTestCase {
    func testWrittenBundleLoadsBackWithTheSameModelsReferenceAndStatistics() throws {
        let scratch = try TemporaryDirectory()
        let folder = scratch.file("Weights/tiny")
        let statistics = LatentStatistics(mean: (0..<32).map { Float($0) / 10 }, std: (0..<32).map { 1 + Float($0) / 100 })
        let speaker = try Speaker.makeUntrained(preset: .tiny, name: "round trip", seed: 9, steps: testSteps)
        speaker.s2l.latentStatistics = statistics
        try speaker.write(to: folder)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), Set(Speaker.files))

        let loaded = try Speaker(bundle: folder)
        XCTAssertEqual(loaded.meta, speaker.meta)
        XCTAssertEqual(loaded.bundle?.path, folder.path)
        XCTAssertEqual(loaded.s2l.latentStatistics, statistics)
        XCTAssertEqual(loaded.reference.xT.values, speaker.reference.xT.values)
        XCTAssertEqual(loaded.reference.zSem.values, speaker.reference.zSem.values)
        XCTAssertEqual(loaded.reference.stochasticSteps, testSteps)
        XCTAssertEqual(loaded.reference.refinements, DiffAE.recommendedRefinements)
        for ((key, a), (_, b)) in zip(loaded.dae.namedState(), speaker.dae.namedState()) {
            XCTAssertEqual(a.values, b.values, key)
        }
        for ((key, a), (_, b)) in zip(loaded.s2l.namedState(), speaker.s2l.namedState()) {
            XCTAssertEqual(a.values, b.values, key)
        }
        // No temporary folders left beside the bundle.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.file("Weights").path), ["tiny"])
    }

    func testAssembledBundleNamesThePresetsItsModelsHave() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("data"))
        func assemble(_ parts: String) throws -> Speaker {
            try Speaker.assemble(dae: scratch.file(parts + "/dae.h5"), s2l: scratch.file(parts + "/s2l.h5"),
                                 dataset: SpeakerDataset(at: scratch.file("data")), referenceFrame: 4, steps: testSteps, name: "assembled")
        }
        // The untrained speaker's speech model is no `s2l train` preset.
        try untrainedSpeaker.write(to: scratch.file("untrained"))
        let plain = try assemble("untrained")
        XCTAssertEqual(plain.meta.daePreset, "tiny")
        XCTAssertNil(plain.meta.s2lPreset)
        XCTAssertEqual(plain.reference.frameIndex, 4)
        XCTAssertEqual(plain.reference.refinements, DiffAE.recommendedRefinements)

        let config = SpeechToLatentPreset.tiny.config(featureDimension: 80, featureLayers: 1, featureRate: 100, latentDimension: 32)
        let preset = try Speaker(meta: untrainedSpeaker.meta, dae: untrainedSpeaker.dae,
                                 s2l: SpeechToLatentModel(config: config, seed: 1), reference: untrainedSpeaker.reference)
        try preset.write(to: scratch.file("preset"))
        XCTAssertEqual(try assemble("preset").meta.s2lPreset, "tiny")
    }

    func testReferenceFromBeforeRefinementsReadsAsPlainInversion() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("reference.h5")
        let reference = untrainedSpeaker.reference
        try TensorFile.write(["x_T": reference.xT, "z_sem": reference.zSem],
                             integers: ["frame_index": [3], "stochastic_steps": [20]], to: url)
        let read = try SpeakerReference.read(url)
        XCTAssertEqual(read.refinements, 0)
        XCTAssertEqual(read.frameIndex, 3)
    }

    func testFloat16BundleLoadsAndAgreesToHalfPrecision() throws {
        let scratch = try TemporaryDirectory()
        try untrainedSpeaker.write(to: scratch.file("half"), precision: .float16)
        let loaded = try Speaker(bundle: scratch.file("half"))
        let (a, b) = (loaded.dae.namedParameters()[3].1.values, untrainedSpeaker.dae.namedParameters()[3].1.values)
        XCTAssertLessThan(maxDifference(a, b), 1e-3)
        XCTAssertEqual(loaded.reference.xT.values, untrainedSpeaker.reference.xT.values, "x_T stays float32")
    }

    func testRewritingABundleReplacesItWhole() throws {
        let scratch = try TemporaryDirectory()
        let folder = scratch.file("speaker")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: folder.appendingPathComponent("stale.txt"))
        try untrainedSpeaker.write(to: folder)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), Set(Speaker.files))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path), ["speaker"])
    }

    func testEachMissingFileIsNamed() throws {
        let scratch = try TemporaryDirectory()
        let folder = scratch.file("bundle")
        try untrainedSpeaker.write(to: folder)
        for name in Speaker.files {
            let file = folder.appendingPathComponent(name)
            let aside = scratch.file(name)
            try FileManager.default.moveItem(at: file, to: aside)
            XCTAssertThrowsError(try Speaker(bundle: folder), name) { error in
                XCTAssertTrue("\(error)".contains(file.path), "\(error)")
            }
            try FileManager.default.moveItem(at: aside, to: file)
        }
        XCTAssertNoThrow(try Speaker(bundle: folder))
        XCTAssertThrowsError(try Speaker(bundle: scratch.file("nowhere"))) { error in
            XCTAssertTrue("\(error)".contains(scratch.file("nowhere").path) && "\(error)".contains("dae.h5"), "\(error)")
        }
    }

    func testBrokenOrMismatchedFilesAreNamed() throws {
        let scratch = try TemporaryDirectory()
        let folder = scratch.file("bundle")
        func expectError(naming name: String, _ detail: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try Speaker(bundle: folder), file: file, line: line) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(folder.appendingPathComponent(name).path) && (detail.isEmpty || message.contains(detail)), message,
                              file: file, line: line)
            }
        }
        for name in [Speaker.daeFile, Speaker.s2lFile, Speaker.referenceFile, Speaker.metaFile] {
            try untrainedSpeaker.write(to: folder)
            try Data("not what it should be".utf8).write(to: folder.appendingPathComponent(name))
            expectError(naming: name, "")
        }

        try untrainedSpeaker.write(to: folder)
        var meta = untrainedSpeaker.meta
        meta.imageSize = 64
        try meta.write(to: folder.appendingPathComponent(Speaker.metaFile))
        expectError(naming: Speaker.metaFile, "image_size 64")

        // The presets meta.json names must be the models' shapes.
        for (change, detail) in [({ (m: inout SpeakerMeta) in m.daePreset = "ffhq256" }, "'dae_preset' is \"ffhq256\""),
                                 ({ $0.daePreset = nil }, "'dae_preset' is missing"), ({ $0.s2lPreset = "cpu" }, "'s2l_preset' is \"cpu\"")] {
            try untrainedSpeaker.write(to: folder)
            var meta = untrainedSpeaker.meta
            change(&meta)
            try meta.write(to: folder.appendingPathComponent(Speaker.metaFile))
            expectError(naming: Speaker.metaFile, detail)
        }

        try untrainedSpeaker.write(to: folder)
        var reference = untrainedSpeaker.reference
        reference.zSem = Tensor(shape: [1, 8], repeating: 0)
        try reference.write(to: folder.appendingPathComponent(Speaker.referenceFile))
        expectError(naming: Speaker.referenceFile, "z_sem")

        try untrainedSpeaker.write(to: folder)
        let other = try SpeechToLatentModel(config: SpeechToLatentConfig(dimension: 8, heads: 2, feedForward: 8, kernelSize: 3, encoderBlocks: 0,
                                                                         decoderBlocks: 0, latentDimension: 16, posePredictorChannels: 4))
        try Checkpoint.save(module: other, config: other.config, to: folder.appendingPathComponent(Speaker.s2lFile))
        expectError(naming: Speaker.s2lFile, "16")
    }
}
