import ArgumentParser

/// `talkingface s2l …`: the speech-to-latent stage on its own (docs/architecture.md §6).
struct SpeechToLatentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s2l",
        abstract: "Speech-to-latent: train the speech → z_sem (and head pose) model, or run it.",
        subcommands: [SpeechToLatentTrainCommand.self, SpeechToLatentPredictCommand.self])
}
