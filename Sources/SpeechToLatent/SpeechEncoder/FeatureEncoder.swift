import NeuralNetworks

/// One layer of the convolutional feature extractor: conv → norm (if any) → activation.
/// Keys `conv.weight`, `conv.bias`, `layer_norm.weight`, `layer_norm.bias` as in
/// transformers' `Wav2Vec2{NoLayerNorm,LayerNorm,GroupNorm}ConvLayer`.
final class FeatureConvLayer: Module {
    let conv: Conv1d
    /// GroupNorm with one group per channel (first layer of the "group" layout), LayerNorm
    /// over channels (every layer of the "layer" layout), or none.
    let layerNorm: (any UnaryLayer)?
    let normalisesChannelsLast: Bool
    let activation: Activation

    init(conv: Conv1d, layerNorm: (any UnaryLayer)?, channelsLast: Bool, activation: Activation) {
        self.conv = conv
        self.layerNorm = layerNorm
        normalisesChannelsLast = channelsLast
        self.activation = activation
        super.init()
    }

    /// (N, C, L) → (N, C', L')
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = conv(x)
        if let layerNorm {
            h = normalisesChannelsLast ? layerNorm(h.transposed(1, 2)).transposed(1, 2) : layerNorm(h)
        }
        return activation(h)
    }
}

/// The strided conv stack that turns a waveform into frames (320 samples per frame, 20 ms,
/// for the standard 7 layers). Keys `conv_layers.{i}.…` (`Wav2Vec2FeatureEncoder`).
final class FeatureEncoder: Module {
    let convLayers: [FeatureConvLayer]

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        let activation = Activation(rawValue: c.featExtractActivation)!
        var layers: [FeatureConvLayer] = []
        for i in c.convDim.indices {
            let (inChannels, outChannels) = (i == 0 ? 1 : c.convDim[i - 1], c.convDim[i])
            let conv = Conv1d(inChannels, outChannels, kernelSize: c.convKernel[i], stride: c.convStride[i],
                              bias: c.convBias, rng: &rng)
            let norm: (any UnaryLayer)? = switch c.featExtractNorm {
            case .group: i == 0 ? GroupNorm(groups: outChannels, channels: outChannels) : nil
            case .layer: LayerNorm(outChannels)  // nn.LayerNorm's default eps, as transformers uses here
            }
            layers.append(FeatureConvLayer(conv: conv, layerNorm: norm, channelsLast: c.featExtractNorm == .layer,
                                           activation: activation))
        }
        convLayers = layers
        super.init()
    }

    /// waveform (N, L) → features (N, C, T)
    func callAsFunction(_ waveform: Tensor) -> Tensor {
        let x = waveform.reshaped([waveform.size(0), 1, waveform.size(1)])
        return convLayers.reduce(x) { $1($0) }
    }
}
