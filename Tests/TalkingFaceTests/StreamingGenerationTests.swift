import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest
import TestSupport
import Datasets

/// `generate` streams the speech (features, then speech-to-latent window by window, then
/// decoding); its z_sem and pose are bit for bit those of the whole file at once.
final class StreamingGenerationTests: XCTestCase {
    func testStreamedLatentsEqualTheWholeFileAtOnce() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 26, to: speech)
        let model = untrainedSpeaker.s2l
        let features = try SpeechFeatureExtractor()(file: speech)  // (T·s, F) of the whole file at once
        let frames = model.frameCount(featureFrames: features.size(0))
        XCTAssertGreaterThan(model.defaultChunking.ranges(length: frames).count, 2, "the clip should span several windows")
        let whole = try model.predict(features: features)

        let (zSem, pose) = try untrainedSpeaker.latents(speech: speech)
        XCTAssertEqual(zSem.shape, whole.latents.shape)
        XCTAssertEqual(zSem.values, whole.latents.values)
        let perRadian: Float = untrainedSpeaker.meta.poseUnits == "degrees" ? 180 / .pi : 1
        XCTAssertEqual(pose.values, (whole.pose / perRadian).values)
    }

    /// The latents file written row block by row block reads back as the latents.
    func testGenerateWritesTheStreamedLatents() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 0.4, to: speech)
        let result = try untrainedSpeaker.generate(speech: speech, steps: 1, batchSize: 3, to: scratch.file("out"), makeVideo: false)
        let written = try TensorFile.read(result.folder.appendingPathComponent("latents.h5")).tensors
        let (zSem, pose) = try untrainedSpeaker.latents(speech: speech)
        XCTAssertEqual(written["z_sem"]?.shape, [10, zSem.size(1)])
        XCTAssertEqual(written["z_sem"]?.values, zSem.values)
        XCTAssertEqual(written["pose"]?.values, pose.values)
        XCTAssertEqual(result.pose.tensor().values, pose.values)
        XCTAssertEqual(try Video.frameCount(in: result.framesFolder), 10)
    }
}
