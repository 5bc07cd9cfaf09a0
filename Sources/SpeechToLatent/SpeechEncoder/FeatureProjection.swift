import NeuralNetworks

/// Conv features into the transformer's width: LayerNorm (absent in HuBERT with
/// `feat_proj_layer_norm: false`) then Linear. Keys `layer_norm.*`, `projection.*`.
final class FeatureProjection: Module {
    let layerNorm: LayerNorm?
    let projection: Linear

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        let channels = c.convDim.last!
        layerNorm = c.modelType == "hubert" && !c.featProjLayerNorm ? nil : LayerNorm(channels, eps: c.layerNormEps)
        projection = Linear(channels, c.hiddenSize, rng: &rng)
        super.init()
    }

    /// features (N, C, T) → (N, T, D)
    func callAsFunction(_ features: Tensor) -> Tensor {
        let x = features.transposed(1, 2)
        return projection(layerNorm.map { $0(x) } ?? x)
    }
}
