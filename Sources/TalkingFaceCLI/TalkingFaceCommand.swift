import ArgumentParser

/// The `talkingface` tool: one subcommand per pipeline stage (docs/architecture.md §1).
struct TalkingFaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talkingface",
        abstract: "Speech → talking-face video (after DAE-Talker), with its data and metrics tools.",
        discussion: """
        Examples:
          talkingface synth --out data/synth --speakers 4 --minutes 2 --size 64 --seed 1
          talkingface eval --pred runs/generated --truth data/synth/speaker_00
          talkingface dae train --data data/synth/speaker_00 --out runs/dae
          talkingface dae encode --model runs/dae --data data/synth/speaker_00 --out runs/dae/latents.h5
          talkingface s2l train --data data/synth/speaker_00 --latents runs/dae/latents.h5 --out runs/s2l
          talkingface s2l predict --model runs/s2l/s2l.h5 --audio speech.wav --out runs/s2l/speech_latents.h5
        """,
        subcommands: [
            GenerateCommand.self, SynthCommand.self, DAECommand.self, SpeechToLatentCommand.self, EvalCommand.self,
            FineTuneCommand.self, PrepareCommand.self, BundleCommand.self, ClipCommand.self, ProbeCommand.self, WeightsCommand.self,
        ])
}
