import DiffusionAutoencoder
import NeuralNetworks

/// What a latent-split run trains: the diffusion autoencoder and the split loss's pose head,
/// as one module so that one optimizer, one EMA and one checkpoint cover both
/// (keys `dae.…` and `latent_split.pose_head.…`). dae.h5 still holds the DiffAE alone.
public final class SplitTrainingModel: Module {
    public let dae: DiffAE
    public let latentSplit: LatentSplitLoss

    public init(dae: DiffAE, latentSplit: LatentSplitLoss) {
        self.dae = dae
        self.latentSplit = latentSplit
        super.init()
    }
}
