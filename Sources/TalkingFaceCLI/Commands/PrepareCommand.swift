import ArgumentParser
import FaceTracking
import Foundation
import Logging

/// `talkingface prepare`: a person's recording → a data set (face tracked, cropped, posed).
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Turn a recording of a face into a data set: tracked, cropped, with head pose and landmarks.",
        discussion: """
        dlib finds the face in every frame (the largest, when there are several) and places its \
        68 landmarks; a frame where the detector misses the face is tracked from the previous \
        one, and a gap of up to a second is interpolated (a longer one is an error naming the \
        frames). The landmarks are smoothed in time without lag (One-Euro filter). By default \
        one square crop covers the head's whole range of motion, as a fixed camera would frame \
        it; --align crops every frame on its eyes instead.

        The data set gets frames/ at --size, audio.wav (16 kHz mono, when the video has sound; \
        without it the data set serves the diffusion autoencoder alone), pose.csv (yaw, pitch, \
        roll in radians, by PnP against a generic 3-D face), landmarks.csv (68 points in crop \
        pixels), crop.json (every frame's crop in the source, for pasting generated frames \
        back) and meta.json. Nothing is written unless it all succeeds.

        Needs Debian's libdlib-data (the landmark model), or TALKINGFACE_LANDMARK_MODEL.

        Examples:
          talkingface prepare --video me.mp4 --out data/me
          talkingface prepare --video me.mp4 --size 64 --out data/me64
          talkingface prepare --video interview.mp4 --align --out data/interview
        """)

    @Option(help: "The recording: any video ffmpeg reads.") var video: String
    @Option(help: "The new data set folder (replaces only a data set clip or prepare made).") var out: String
    @Option(parsing: .unconditional, help: "Frame size in pixels (the models' image size: 64 or 128).") var size = 128
    @Flag(help: "Crop every frame on its eyes (default: one fixed crop for the clip).") var align = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try OptionRange.check("--size", size, atLeast: 16, atMost: 1024)
    }

    func run() throws {
        let logger = Logger(label: "talkingface.prepare")
        let target = try output.target(out, kind: .dataset, inputs: [video])
        let tracker = try FaceTracker()
        var bars: [String: ProgressBar] = [:]
        let report = try target.writeWhole { staging in
            try DatasetPreparation.prepare(
                video: URL(fileURLWithPath: video), out: staging,
                options: .init(size: size, align: align), tracker: tracker
            ) { stage, done, total in
                let bar = bars[stage] ?? ProgressBar(stage)
                bars[stage] = bar
                bar.update(done, of: total)
            }
        }
        if let first = report.framesWithSeveralFaces.first {
            logger.warning("\(report.framesWithSeveralFaces.count) frames show several faces (the first: frame \(first)); the largest was taken")
        }
        if !report.hasAudio {
            logger.warning("\(video) has no sound: the data set serves `dae train` and `finetune --until dae`, not the speech model")
        }
        logger.info("wrote \(out): \(report.frames) frames at \(String(format: "%.2f", report.fps)) fps, \(size)×\(size); face detected in \(report.detected), tracked in \(report.tracked), interpolated in \(report.interpolated); landmark jitter \(String(format: "%.3f", report.landmarkJitter)) px per frame")
    }
}
