import ArgumentParser

/// `talkingface dae …`: the diffusion autoencoder's stages (docs/architecture.md §4).
struct DAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dae",
        abstract: "Train the diffusion autoencoder and move frames to and from its codes (z_sem, x_T).",
        discussion: """
        Examples:
          talkingface synth --out data/synth --speakers 1 --minutes 1 --seed 1
          talkingface dae train --data data/synth/speaker_00 --out runs/dae
          talkingface dae reconstruct --model runs/dae --data data/synth/speaker_00 \\
            --out runs/dae/recon
          talkingface dae encode --model runs/dae --data data/synth/speaker_00 \\
            --out z.h5 --stochastic
          talkingface dae decode --model runs/dae --latents z.h5 --out decoded
        """,
        subcommands: [DAETrainCommand.self, DAEEncodeCommand.self, DAEDecodeCommand.self, DAEReconstructCommand.self, DAEEraseCommand.self])
}
