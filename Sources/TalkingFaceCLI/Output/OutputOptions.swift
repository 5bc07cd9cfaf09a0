import ArgumentParser
import Foundation
import TalkingFace

/// `--force`, shared by every command that writes: an output may replace only what that
/// command made before (`OutputKind.recognises`); anything else there needs --force.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Replace an existing output that this command did not make (a file or folder of yours).")
    var force = false

    /// The output `path` checked against the inputs (paths as given; nil and empty ones are
    /// skipped) before any work: apart from them, and replaceable (`OutputTarget`).
    func target(_ path: String, option: String = "--out", kind: OutputKind, inputs: [String?]) throws -> OutputTarget {
        try OutputTarget(path, option: option, kind: kind,
                         inputs: inputs.compactMap { $0 }.filter { !$0.isEmpty }.map { URL(fileURLWithPath: $0) }, force: force)
    }
}
