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

        Examples:
          talkingface eval --pred runs/generated --truth data/synth/speaker_00
          talkingface eval --pred out/frames --truth data/me/frames \
              --json out/eval.json
        """)

    @Option(help: "Generated frames: a data set folder (with frames/) or a folder of 00000.png ….") var pred: String
    @Option(help: "Ground truth: a data set folder or a folder of PNG frames.") var truth: String
    @Option(help: "Where to write the JSON report (default: PRED/eval.json).") var json: String?
    @Flag(inversion: .prefixedNo, help: "Analytic mouth/pose agreement (default: on when the truth has factors.csv).")
    var analytic: Bool?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let logger = Logger(label: "talkingface.eval")
        // (the default PRED/eval.json is the report's own place beside the frames)
        let target = try json.map { try output.target($0, option: "--json", kind: .evaluationReport, inputs: [pred, truth]) }
        let bar = ProgressBar("eval")
        let report = try Evaluation.evaluate(pred: URL(fileURLWithPath: pred), truth: URL(fileURLWithPath: truth),
                                             analytic: analytic) { bar.update($0, of: $1) }
        print(report.table())
        let out = json.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: pred).appendingPathComponent("eval.json")
        if let target { try target.writeInPlace { try report.writeJSON(to: out) } } else { try report.writeJSON(to: out) }
        logger.info("wrote \(out.path)")
    }
}
