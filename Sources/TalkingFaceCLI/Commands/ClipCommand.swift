import ArgumentParser
import Foundation
import Logging
import TalkingFace

/// `talkingface clip`: a stretch of a data set as a data set of its own.
struct ClipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "Cut frames of a speaker data set into a new data set (frames, audio, labels).",
        discussion: """
        The frames are renumbered from 0, the audio is cut to exactly their time span, and \
        pose.csv, factors.csv and factors.h5 are cut to match. Handy for feeding a held-out \
        stretch to `generate` (its audio.wav) and `eval` (its frames and factors).

        Examples:
          talkingface clip --data data/synth/speaker_00 --frames held-out \
              --out runs/heldout
          talkingface clip --data data/me --frames 250:500 --out data/me-10s
        """)

    @Option(help: "The speaker data set folder.") var data: String
    @Option(parsing: .unconditional, help: "Frames: START:END (END excluded), train or held-out.") var frames: String
    @Option(help: "The new data set folder (replaces only a data set clip or prepare made).") var out: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let target = try output.target(out, kind: .dataset, inputs: [data])
        let dataset = try DAEArguments.dataset(data)
        let selected = try DAEArguments.frames(frames, in: dataset)
        try target.writeWhole { staging in try dataset.clip(selected.first!..<(selected.last! + 1), to: staging) }
        Logger(label: "talkingface.clip").info("wrote \(out): frames \(selected.first!):\(selected.last! + 1) of \(data) (\(selected.count) frames, \(String(format: "%.2f", Double(selected.count) / dataset.meta.fps)) s)")
    }
}
