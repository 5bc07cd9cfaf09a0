import ArgumentParser
import DiffusionAutoencoder

/// `--sampler ddim|dpm++`: the decoder's sampler by its name.
extension DiffusionSampler: ExpressibleByArgument {}
