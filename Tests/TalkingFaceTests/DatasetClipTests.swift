import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import SyntheticSpeaker
import TestSupport

final class DatasetClipTests: XCTestCase {
    func testAClipKeepsFramesAudioAndLabelsAligned() throws {
        let scratch = try TemporaryDirectory()
        try SyntheticSpeaker(index: 1, seed: 3).write(to: scratch.file("full"), seconds: 3, fps: 25, size: 32)
        let full = try SpeakerDataset(at: scratch.file("full"))
        try full.clip(25..<60, to: scratch.file("part"))
        let part = try SpeakerDataset(at: scratch.file("part"))

        XCTAssertEqual(part.frameCount, 35)
        for i in [0, 17, 34] {
            XCTAssertEqual(try Data(contentsOf: part.framesFolder.appendingPathComponent(Video.frameName(i))),
                           try Data(contentsOf: full.framesFolder.appendingPathComponent(Video.frameName(25 + i))))
        }
        let (a, b) = (try AudioFile.read(full.audioURL, sampleRate: nil), try AudioFile.read(part.audioURL, sampleRate: nil))
        XCTAssertEqual(b.sampleRate, a.sampleRate)
        XCTAssertEqual(b.samples.count, 35 * a.sampleRate / 25)
        let offset = 25 * a.sampleRate / 25
        XCTAssertEqual(Array(b.samples[100..<110]), Array(a.samples[(offset + 100)..<(offset + 110)]))
        XCTAssertEqual(part.pose?.yaw, Array(full.pose!.yaw[25..<60]))
        let (fa, fb) = (try TensorFile.read(scratch.file("full/factors.h5")).tensors, try TensorFile.read(scratch.file("part/factors.h5")).tensors)
        XCTAssertEqual(fb["jaw_open"]?.values, Array(fa["jaw_open"]!.values[25..<60]))
        let table = try String(contentsOf: scratch.file("part/factors.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(table.count, 36)
        XCTAssertTrue(table[1].hasPrefix("0,0.000000,"), String(table[1]))
    }

    func testARangeOutsideTheDataOrAnExistingFolderIsRefused() throws {
        let scratch = try TemporaryDirectory()
        try SyntheticSpeaker(index: 1, seed: 3).write(to: scratch.file("full"), seconds: 1, fps: 25, size: 32)
        let full = try SpeakerDataset(at: scratch.file("full"))
        XCTAssertThrowsError(try full.clip(20..<30, to: scratch.file("x")))
        XCTAssertThrowsError(try full.clip(0..<5, to: scratch.file("full")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.file("x").path))
    }
}
