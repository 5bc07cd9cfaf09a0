// Speech workloads of issue 5 (twins in Benchmarks/twin.py and Benchmarks/s2l_twin.py): the
// speech-to-latent training step at batch 8 × 10 s of log-mel (configs cpu and diffDub) and a
// Wav2Vec2-base forward over 10 s of 16 kHz audio (random weights, every hidden state).
import Autodiff
import SpeechToLatent

/// Forward GFLOP (2 × multiply-adds) of the speech-to-latent model on `batch` windows of
/// T frames (T·s feature frames). Per frame: strided conv F·D·k_s; per Conformer block
/// 4·D·F_ff (two FFNs) + 7·D² (q, k, v, out; pointwise convs 2D² + D²) + D·K (depthwise)
/// + (4T−1)·D (content scores T·D, A·V T·D, position scores over 2T−1 offsets), plus
/// (2T−1)·D² for the position projection once per block; pose predictor C·D·k + C²·k;
/// output D·Z. Pose projector and predictor head are left out (P = 3).
func speechToLatentForwardGFLOP(_ c: SpeechToLatentConfig, batch: Int) -> Double {
    let (t, d) = (Double(c.windowFrames), Double(c.dimension))
    let front = Double(c.featureDimension * c.dimension * (c.stride + 2 * (c.stride / 2)))
    let perFrameBlock = 4 * d * Double(c.feedForward) + 7 * d * d + d * Double(c.kernelSize) + (4 * t - 1) * d
    let pose = Double(c.posePredictorChannels * c.posePredictorKernel * (c.dimension + c.posePredictorChannels))
    let perFrame = front + Double(c.encoderBlocks + c.decoderBlocks) * perFrameBlock + pose + d * Double(c.latentDimension)
    let positions = Double(c.encoderBlocks + c.decoderBlocks) * (2 * t - 1) * d * d
    return 2 * (Double(batch) * t * perFrame + positions) / 1e9
}

/// Forward GFLOP of a Wav2Vec2 encoder over `samples` samples (batch 1): each extractor conv
/// T_out·C_out·C_in·k, the feature projection, the grouped positional conv T·D·(D/G)·K, and
/// per layer T·(4D² + 2·D·F_ff) + 2·T²·D.
func speechEncoderForwardGFLOP(_ c: SpeechEncoderConfiguration, samples: Int) -> Double {
    var (length, channels, macs) = (samples, 1, 0.0)
    for (dim, (kernel, stride)) in zip(c.convDim, zip(c.convKernel, c.convStride)) {
        length = (length - kernel) / stride + 1
        macs += Double(length * dim * channels * kernel)
        channels = dim
    }
    let (t, d) = (Double(length), Double(c.hiddenSize))
    macs += t * Double(channels) * d + t * d * (d / Double(c.numConvPosEmbeddingGroups)) * Double(c.numConvPosEmbeddings)
    macs += Double(c.numHiddenLayers) * (t * (4 * d * d + 2 * d * Double(c.intermediateSize)) + 2 * t * t * d)
    return 2 * macs / 1e9
}

/// Loss forward + backward at batch 8 × one 10 s window (all frames real), dropout on,
/// ground-truth pose projected (teacher forcing); no optimiser step.
func speechToLatentWorkload(_ name: String, _ config: SpeechToLatentConfig) -> Workload {
    let model = try! SpeechToLatentModel(config: config)
    let (b, t) = (8, config.windowFrames)
    let batch = SpeechToLatentBatch(
        features: Tensor.randn([b, t * config.stride, config.featureDimension], using: &rng),
        latents: Tensor.randn([b, t, config.latentDimension], using: &rng),
        pose: Tensor.randn([b, t, config.poseDimension], using: &rng),
        lengths: Array(repeating: t, count: b))
    return Workload(name: name, gflop: 3 * speechToLatentForwardGFLOP(config, batch: b)) {
        model.loss(batch).total.backward()
        model.zeroGrad()
    }
}

let speechWorkloadMakers: [(names: [String], make: () -> [Workload])] = [
    (["s2l_cpu_train_b8x10s"], { [speechToLatentWorkload("s2l_cpu_train_b8x10s", .cpu())] }),
    (["s2l_diffdub_train_b8x10s"], { [speechToLatentWorkload("s2l_diffdub_train_b8x10s", .diffDub())] }),
    (["wav2vec2_base_fwd_10s"], {
        let config = SpeechEncoderConfiguration()  // wav2vec2-base: 768 wide, 12 layers, 12 heads, FFN 3072
        let encoder = try! SpeechEncoder(config, rng: &rng).eval()
        let waveform = Tensor.uniform([1, 160_000], in: -0.3...0.3, using: &rng)
        return [Workload(name: "wav2vec2_base_fwd_10s", gflop: speechEncoderForwardGFLOP(config, samples: 160_000)) {
            withoutGradients { _ = encoder(waveform).hiddenStates }
        }]
    }),
]
