import ArgumentParser
import Foundation
import TalkingFace

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compare generated frames with ground truth (DESIGN §11).")

    @Option(help: "Generated frames: a speaker data set folder or a folder of PNG frames.") var pred: String
    @Option(help: "Ground truth: a speaker data set folder or a folder of PNG frames.") var truth: String

    func run() throws {}
}
