import DiffusionAutoencoder
import Foundation
import NeuralNetworks
import TalkingFace
import XCTest
import Datasets
import SyntheticSpeaker
import TestSupport

/// `talkingface distill` on a tiny untrained bundle and 8 s of a synthetic speaker.
final class DistillationTests: XCTestCase {
    private func setUp(_ scratch: TemporaryDirectory, teacherSteps: Int = 4) throws -> DistillationOptions {
        try Speaker.makeUntrained(preset: .tiny, name: "base", seed: 3, steps: testSteps).write(to: scratch.file("base"))
        try SyntheticSpeaker(index: 2, seed: 5).write(to: scratch.file("person"), seconds: 8, fps: 25, size: 32)
        var options = DistillationOptions(speaker: scratch.file("base").path, data: scratch.file("person").path)
        options.teacherSteps = teacherSteps
        options.steps = 3
        options.batchSize = 2
        options.checkpointEvery = 1
        options.frameStride = 20
        options.warmupSteps = 1
        return options
    }

    func testTimestepGridsNestFromTheStart() {
        XCTAssertEqual(Distiller.timesteps(count: 4, start: 950), [950, 713, 475, 238])
        XCTAssertEqual(Distiller.timesteps(count: 2, start: 950), [950, 475])
        XCTAssertEqual(Distiller.timesteps(count: 1, start: 950), [950])
    }

    /// The examples are the training part only, and both kinds of z_sem.
    func testExamplesComeFromTheTrainingPartOnly() throws {
        let scratch = try TemporaryDirectory()
        let distiller = try Distiller(options: try setUp(scratch), run: scratch.file("run"))
        let train = distiller.dataset.split().train
        XCTAssertTrue(distiller.trainingFrames.allSatisfy { train.contains($0) })
        XCTAssertEqual(distiller.trainingFrames, Array(stride(from: 0, to: train.upperBound, by: 20)))
        let zSem = try distiller.examples()
        XCTAssertEqual(zSem.shape, [2 * distiller.trainingFrames.count, distiller.speaker.dae.config.zSemChannels])
    }

    /// The last round's target for an example is its teacher's two-step DDIM decode, computed
    /// independently by `DiffAE.decode`.
    func testAOneStepTargetIsTheTeachersTwoStepDecode() throws {
        let speaker = untrainedSpeaker
        var rng = RandomGenerator(seed: 9)
        let zSem = Tensor.randn([3, speaker.dae.config.zSemChannels], using: &rng)
        let times = Distiller.timesteps(count: 2, start: 750)
        let trajectory = Distiller.trajectory(of: speaker.dae, from: speaker.reference.xT, zSem: zSem, timesteps: times)
        let decoded = speaker.dae.decode(zSem, noise: concat(Array(repeating: speaker.reference.xT, count: 3), dim: 0), timesteps: times)
        assertClose(trajectory.last!, decoded, rtol: 1e-5, atol: 1e-5)
    }

    func testDistilResumesToTheWeightsOfAnUninterruptedRun() throws {
        let scratch = try TemporaryDirectory()
        let options = try setUp(scratch)
        let whole = try XCTUnwrap(try Distiller(options: options, run: scratch.file("whole")).distil())
        XCTAssertEqual(whole.timesteps, [750])

        var stopped = false
        let first = try Distiller(options: options, run: scratch.file("stopped")).distil { event in
            if case .training(round: 2, let progress) = event, progress.step == 1, !stopped {
                stopped = true
                InterruptSignal.request()
            }
        }
        XCTAssertNil(first, "a signal stops the run after a checkpoint")
        InterruptSignal.reset()
        XCTAssertThrowsError(try Distiller(options: options, run: scratch.file("stopped")), "a new run refuses a folder with one")
        var rounds: [String] = []
        let resumed = try XCTUnwrap(try Distiller(options: options, run: scratch.file("stopped"), resume: true).distil { event in
            if case .finished(let round, let note) = event { rounds.append("\(round) \(note.hasPrefix("already") ? "skipped" : "trained")") }
        })
        XCTAssertEqual(rounds, ["1 skipped", "2 trained"])
        for ((key, a), (_, b)) in zip(whole.model.namedState(), resumed.model.namedState()) { XCTAssertEqual(a.values, b.values, key) }

        var other = options
        other.frameStride = 10
        XCTAssertThrowsError(try Distiller(options: other, run: scratch.file("stopped"), resume: true)) { error in
            XCTAssertTrue("\(error)".contains("other options"), "\(error)")
        }
    }

    func testTheDistilledBundleLoadsAndGenerateUsesTheStudentUnlessAskedForTheTeacher() throws {
        let scratch = try TemporaryDirectory()
        var options = try setUp(scratch, teacherSteps: 2)
        options.steps = 2
        let distiller = try Distiller(options: options, run: scratch.file("run"))
        let student = try XCTUnwrap(try distiller.distil())
        try distiller.writeBundle(student, to: scratch.file("distilled"), precision: .float32)

        let speaker = try Speaker(bundle: scratch.file("distilled"))
        XCTAssertEqual(speaker.meta.student?.timesteps, [750])
        XCTAssertTrue(speaker.frameRenderer() is StudentRenderer)
        XCTAssertTrue(speaker.frameRenderer(.teacher) is DiffusionRenderer)
        XCTAssertTrue(speaker.frameRenderer(steps: 4) is DiffusionRenderer, "steps of its own ask for DDIM")
        XCTAssertTrue(speaker.frameRenderer(noise: .seeded(1)) is DiffusionRenderer, "the student knows only the reference x_T")
        XCTAssertTrue(try Speaker(bundle: scratch.file("base")).frameRenderer() is DiffusionRenderer)

        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 1, to: speech)
        let byStudent = try speaker.generate(speech: speech, to: scratch.file("student"), makeVideo: false)
        let byTeacher = try speaker.generate(speech: speech, decoder: .teacher, to: scratch.file("teacher"), makeVideo: false)
        XCTAssertEqual(try DatasetMeta.read(byStudent.folder.appendingPathComponent("meta.json")).source?["sampler"], "student")
        XCTAssertEqual(try DatasetMeta.read(byTeacher.folder.appendingPathComponent("meta.json")).source?["sampler"], "ddim")
        // the student's frames are its one move from x_T
        let latents = try Latents.read(byStudent.folder.appendingPathComponent("latents.h5"))
        let expected = student.model.decode(latents.zSem.slice(dim: 0, 0..<1), noise: speaker.reference.xT, timesteps: [750])
        let frame = try SpeakerDataset(at: byStudent.folder).frames(0..<1, size: 32)
        assertClose(frame, expected, rtol: 0, atol: 2.5 / 255 * 2)

        // meta.json naming a student that is not there
        try FileManager.default.removeItem(at: scratch.file("distilled/student.h5"))
        XCTAssertThrowsError(try Speaker(bundle: scratch.file("distilled"))) { error in
            XCTAssertTrue("\(error)".contains("student.h5"), "\(error)")
        }
    }

    /// The shipped speaker's student draws what its 20-step teacher draws from the same z_sem
    /// (results §2.11: 39.4 dB over 250 held-out frames; here 6 frames of the test tone's z_sem).
    func testTheShippedStudentDrawsItsTeachersFrames() throws {
        let bundle = repositoryDirectory.appendingPathComponent("Weights/default")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: bundle.appendingPathComponent(DistilledStudent.file).path), "no shipped student")
        let speaker = try Speaker(bundle: bundle)
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 1.2, to: speech)
        let predicted = try speaker.latents(speech: speech).zSem  // (30, Z)
        let zSem = concat((0..<6).map { predicted.slice(dim: 0, (5 * $0)..<(5 * $0 + 1)) }, dim: 0)  // every 5th: (6, Z)
        let xT = speaker.reference.xT  // (1, 3, S, S)
        let noise = xT.expanded(to: [6] + Array(xT.shape.dropFirst()))
        let byStudent = speaker.frameRenderer().render(zSem, noise: noise).rgbImages()
        let byTeacher = speaker.frameRenderer(.teacher).render(zSem, noise: noise).rgbImages()
        for (student, teacher) in zip(byStudent, byTeacher) {
            let psnr = ImageQuality.psnr(student, teacher)
            XCTAssertGreaterThan(psnr, 30, "the student is \(psnr) dB from its teacher")
        }
    }
}
