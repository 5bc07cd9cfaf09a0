import ArgumentParser

/// The `talkingface` tool: one subcommand per pipeline stage (DESIGN §1).
struct TalkingFaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talkingface",
        abstract: "Speech → talking-face video (after DAE-Talker), with its data and metrics tools.",
        discussion: """
        Examples:
          talkingface synth --out data/synth --speakers 4 --minutes 2 --size 64 --seed 1
          talkingface eval --pred runs/generated --truth data/synth/speaker_00
        """,
        subcommands: [SynthCommand.self, EvalCommand.self, WeightsCommand.self, ProbeCommand.self])
}
