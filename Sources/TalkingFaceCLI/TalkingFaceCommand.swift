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

        Environment:
          TALKINGFACE_WEIGHTS    a Weights folder; its default/ is the speaker used when none is
                                 named (else Weights/default beside the executable, or here)
          TALKINGFACE_LOG_LEVEL  trace, debug, info (default), notice, warning, error, critical
          OPENBLAS_NUM_THREADS   1 when unset: the engine spreads work over the cores itself
          OPENBLAS_CORETYPE      when unset, the OpenBLAS kernel chosen for this CPU
        """,
        subcommands: [
            GenerateCommand.self, SynthCommand.self, DAECommand.self, SpeechToLatentCommand.self, EvalCommand.self,
            FineTuneCommand.self, DistillCommand.self, PrepareCommand.self, BundleCommand.self, ClipCommand.self, ProbeCommand.self, WeightsCommand.self,
        ])
}
