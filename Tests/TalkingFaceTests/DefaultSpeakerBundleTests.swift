import Foundation
import TalkingFace
import TestSupport
import XCTest

final class DefaultSpeakerBundleTests: XCTestCase {
    func testPlacesAreTheVariableThenBesideTheExecutableUpwardThenTheCurrentFolder() {
        let places = DefaultSpeakerBundle.candidates(
            environment: ["TALKINGFACE_WEIGHTS": "/opt/tf/Weights"],
            executable: URL(fileURLWithPath: "/home/me/repo/.build/release/talkingface"),
            currentDirectory: URL(fileURLWithPath: "/tmp/elsewhere")).map(\.path)
        XCTAssertEqual(places.first, "/opt/tf/Weights/default")
        XCTAssertEqual(places[1...4], [
            "/home/me/repo/.build/release/Weights/default", "/home/me/repo/.build/release/share/talkingface/Weights/default",
            "/home/me/repo/.build/Weights/default", "/home/me/repo/.build/share/talkingface/Weights/default",
        ])
        XCTAssertTrue(places.contains("/home/me/repo/Weights/default"))
        XCTAssertTrue(places.contains("/share/talkingface/Weights/default"), "walks up to the root")
        XCTAssertEqual(places.last, "/tmp/elsewhere/Weights/default")
        XCTAssertEqual(Set(places).count, places.count)

        let unset = DefaultSpeakerBundle.candidates(environment: [:], executable: nil, currentDirectory: URL(fileURLWithPath: "/tmp/elsewhere"))
        XCTAssertEqual(unset.map(\.path), ["/tmp/elsewhere/Weights/default"])
    }

    func testTheFirstExistingPlaceWins() throws {
        let scratch = try TemporaryDirectory()
        let fm = FileManager.default
        for folder in ["custom/Weights/default", "repo/Weights/default", "elsewhere/Weights/default", "repo/.build/release"] {
            try fm.createDirectory(at: scratch.file(folder), withIntermediateDirectories: true)
        }
        let executable = scratch.file("repo/.build/release/talkingface")
        let elsewhere = scratch.file("elsewhere")
        func locate(_ environment: [String: String]) throws -> String {
            try DefaultSpeakerBundle.locate(environment: environment, executable: executable, currentDirectory: elsewhere).path
        }
        let variable = ["TALKINGFACE_WEIGHTS": scratch.file("custom/Weights").path]
        XCTAssertEqual(try locate(variable), scratch.file("custom/Weights/default").standardizedFileURL.path)
        XCTAssertEqual(try locate([:]), scratch.file("repo/Weights/default").standardizedFileURL.path)
        // A relative variable is read from the current folder.
        XCTAssertEqual(try locate(["TALKINGFACE_WEIGHTS": "Weights"]), scratch.file("elsewhere/Weights/default").standardizedFileURL.path)

        try fm.removeItem(at: scratch.file("repo/Weights"))
        XCTAssertEqual(try locate(variable), scratch.file("custom/Weights/default").standardizedFileURL.path)
        XCTAssertEqual(try locate([:]), scratch.file("elsewhere/Weights/default").standardizedFileURL.path)

        try fm.removeItem(at: scratch.file("elsewhere/Weights"))
        XCTAssertThrowsError(try locate([:])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("TALKINGFACE_WEIGHTS is unset"), message)
            XCTAssertTrue(message.contains(scratch.file("elsewhere/Weights/default").standardizedFileURL.path), message)
            XCTAssertTrue(message.contains(scratch.file("repo/Weights/default").standardizedFileURL.path), message)
        }
    }
}
