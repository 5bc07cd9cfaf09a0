import ArgumentParser
import Foundation
import Logging
import TalkingFace

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compare generated frames with ground truth (docs/architecture.md §11).",
        discussion: """
        Reports PSNR, SSIM (11×11 Gaussian, σ 1.5), CPBD sharpness, jitter (mean \
        frame-to-frame change, generated ÷ truth) and, for synthetic speakers, mouth \
        opening and head yaw/roll measured analytically from the generated frames against \
        the truth (correlation and mean absolute error). The same measurement of the truth \
        frames themselves is reported beside the mouth figure: a perfect prediction scores \
        that, so it is the ceiling. Prints a table and writes JSON.

        For real faces (--landmarks; the default when the truth has no factors.csv) the \
        face tracker measures both: the mouth opening (inner-lip gap ÷ mouth width) of each \
        and their correlation, LMD (the 20 mouth landmarks' mean distance after aligning the \
        faces on eyes and nose, ÷ the eye distance) and the head-pose error (mean absolute \
        yaw, pitch and roll difference). Frames where either face is not found are counted \
        and listed. Frames under 256 px are enlarged before tracking.

        --sync VIDEO measures a talking-face video with speech on its own: the tracked \
        mouth opening against the loudness (RMS per frame in dB, 16 kHz mono, not smoothed), \
        correlated at lag 0 and at the best lag within ±8 frames (positive: the mouth moves \
        after the sound). --audio WAV gives the speech of a silent video.

        Examples:
          talkingface eval --pred runs/generated --truth data/synth/speaker_00
          talkingface eval --pred out/frames --truth data/me/frames \
              --json out/eval.json
          talkingface eval --sync out.mp4
          talkingface eval --sync silent.mp4 --audio speech.wav --json out/sync.json
        """)

    @Option(help: "Generated frames: a data set folder (with frames/) or a folder of 00000.png ….") var pred: String?
    @Option(help: "Ground truth: a data set folder or a folder of PNG frames.") var truth: String?
    @Option(help: "Where to write the JSON report (default: PRED/eval.json; with --sync alone, none).") var json: String?
    @Flag(inversion: .prefixedNo, help: "Analytic mouth/pose agreement (default: on when the truth has factors.csv).")
    var analytic: Bool?
    @Flag(inversion: .prefixedNo, help: "Landmark mouth opening, LMD and head-pose error by the face tracker (default: on when the truth has no factors.csv).")
    var landmarks: Bool?
    @Option(help: "A video with speech: how well the tracked mouth follows the loudness.") var sync: String?
    @Option(help: "The speech for --sync, when the video is silent or its sound is a separate file.") var audio: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (pred == nil) != (truth == nil) { throw ValidationError("--pred and --truth go together") }
        if sync == nil && pred == nil { throw ValidationError("give --pred and --truth, or --sync VIDEO") }
        if audio != nil && sync == nil { throw ValidationError("--audio is the speech for --sync VIDEO") }
    }

    func run() throws {
        let logger = Logger(label: "talkingface.eval")
        // (the default PRED/eval.json is the report's own place beside the frames)
        let target = try json.map { try output.target($0, option: "--json", kind: .evaluationReport, inputs: [pred, truth, sync, audio]) }
        var results = EvalOutput()
        if let pred, let truth {
            let bar = ProgressBar("eval")
            let report = try Evaluation.evaluate(pred: URL(fileURLWithPath: pred), truth: URL(fileURLWithPath: truth),
                                                 analytic: analytic) { bar.update($0, of: $1) }
            print(report.table())
            results.report = report
            results.landmarks = try landmarkEvaluation(frames: report.frames, logger: logger)
        }
        if sync != nil { results.sync = try syncEvaluation() }
        guard let out = json.map({ URL(fileURLWithPath: $0) }) ?? pred.map({ URL(fileURLWithPath: $0).appendingPathComponent("eval.json") })
        else { return }
        if let target { try target.writeInPlace { try results.write(to: out) } } else { try results.write(to: out) }
        logger.info("wrote \(out.path)")
    }
}
