import ArgumentParser
import Foundation
import Logging
import MediaIO
import TalkingFace
import Datasets
import SyntheticSpeaker

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Make synthetic talking speakers with ground-truth factors (docs/architecture.md §9).",
        discussion: """
        Each speaker gets a face identity, an espeak-ng voice and Harvard sentences; the \
        mouth follows the phonemes, the head moves with the speech. Written per speaker:
          DIR/speaker_NN/frames/00000.png …, audio.wav, pose.csv, meta.json,
          factors.csv and factors.h5 (every factor of every frame),
          phonemes.csv, transcript.txt
        The same --seed gives the same bytes.

        Examples:
          talkingface synth --out data/synth --speakers 4 --minutes 2
          talkingface synth --out data/tiny --speakers 1 --minutes 0.2 --size 128 --seed 7
          talkingface synth --photo face.png --out data/photo --speakers 1 --size 128
        """)

    @Option(help: "Output folder (created).") var out: String
    @Option(parsing: .unconditional, help: "Number of speakers (at most 1000).") var speakers: Int = 4
    @Option(parsing: .unconditional, help: "Minutes of video per speaker (at most a day's, 1440).") var minutes: Double = 1
    @Option(parsing: .unconditional, help: "Frame width and height in pixels (16 to 4096).") var size: Int = 64
    @Option(parsing: .unconditional, help: "Frames per second (at most 120).") var fps: Double = 25
    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Scale how far lip width, lip rounding, smile and brows move (1: natural; at 64×64 they move under a pixel, so latent-split probes cannot tell them apart; 2.5 makes them visible). Jaw, blink and the mouth opening are unchanged.")
    var expressionGain: Float = 1
    @Option(help: "Also write a contact sheet PNG (a row of evenly spaced frames per speaker).")
    var contactSheet: String?
    @Option(help: "Animate this photograph (PNG, or any image ffmpeg reads) instead of drawing faces: its largest clear face's landmarks are moved by the same factors and the photo warped with them (every speaker gets this face, each its own voice and motion); also writes landmarks.csv, the 68 moved landmarks per frame.")
    var photo: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.check("--speakers", speakers, atLeast: 1, atMost: 1000)
        try OptionRange.check("--minutes", minutes, .above(0), .atMost(24 * 60))
        try OptionRange.check("--size", size, atLeast: 16, atMost: 4096)
        try OptionRange.check("--fps", fps, .above(0), .atMost(120))
        try OptionRange.check("--expression-gain", expressionGain, .atLeast(0), .atMost(4))
    }

    func run() throws {
        let logger = Logger(label: "talkingface.synth")
        let root = URL(fileURLWithPath: out)
        let target = try output.target(out, kind: .syntheticDatasets, inputs: [photo])
        let sheet = try contactSheet.map { try output.target($0, option: "--contact-sheet", kind: .picture, inputs: [photo]) }
        let photoFace = try photo.map { try loadPhotoFace($0, logger: logger) }
        // The whole set is made beside --out and replaces it only once complete: no frames of
        // an earlier, longer set survive that its meta.json does not count.
        try target.writeWhole { staging in
            for k in 0..<speakers {
                let speaker = SyntheticSpeaker(index: k, seed: seed)
                let name = String(format: "speaker_%02d", k)
                let folder = staging.appendingPathComponent(name)
                logger.info("speaker \(k): voice \(speaker.voice.name) → \(root.appendingPathComponent(name).path)")
                let started = Date()
                let bar = ProgressBar(String(format: "speaker %02d", k))
                if let photoFace {
                    try PhotoSpeaker(face: photoFace, speaker: speaker)
                        .write(to: folder, seconds: minutes * 60, fps: fps, size: size, expressionGain: expressionGain) { bar.update($0, of: $1) }
                } else {
                    try speaker.write(to: folder, seconds: minutes * 60, fps: fps, size: size,
                                      expressionGain: expressionGain) { bar.update($0, of: $1) }
                }
                logger.info("speaker \(k) done in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            }
        }
        if let contactSheet, let sheet {
            var rows: [[RGBImage]] = []
            for k in 0..<speakers {
                let dataset = try SpeakerDataset(at: root.appendingPathComponent(String(format: "speaker_%02d", k)))
                let columns = min(8, dataset.frameCount)
                rows.append(try (0..<columns).map { try dataset.frame($0 * dataset.frameCount / columns + dataset.frameCount / (2 * columns)) })
            }
            try sheet.writeInPlace { try PNG.write(Datasets.contactSheet(rows).image8(), to: sheet.url) }
            logger.info("contact sheet → \(contactSheet)")
        }
    }
}
