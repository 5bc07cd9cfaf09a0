// Users of the diffusion autoencoder work with tensors and modules: they come with it.
@_exported import NeuralNetworks
