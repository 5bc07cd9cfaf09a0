// DiffAE workloads of issue 4 (twins in Benchmarks/twin.py, built from the reference model
// of Tests/Fixtures/make_dae_goldens.py): the ffhq64 UNet forward at batch 1, the encoder +
// UNet training step at batch 8 (ffhq64 and cpu128), 20-step DDIM decodes at batch 16
// (ffhq64, cpu64 and cpu128), and the one-step decode of a distilled cpu64 student.
import Autodiff
import DiffusionAutoencoder

/// Forward GFLOP of one UNet pass and one encoder pass over `batch` images: 2 × the
/// multiply-adds of every convolution and attention GEMM, walking the blocks as `DiffAE.init`
/// builds them. A ResBlock cin → cout whose output is r × r costs 9·r²·cin·cout (in conv)
/// + 9·r²·cout² (out conv, conditioned blocks only) + r²·cin·cout (1×1 skip when cin ≠ cout);
/// attention over T = r² positions with c channels 4·T·c² (qkv, proj) + 2·T²·c (scores, A·V).
/// Linears on the embeddings are left out (< 0.1 %).
func diffAEForwardGFLOP(_ config: DiffAEConfig, batch: Int) -> (unet: Double, encoder: Double) {
    func resBlock(_ cin: Int, _ cout: Int, side r: Int, conditioned: Bool) -> Double {
        let pixels = Double(r * r)
        return pixels * (9 * Double(cin * cout) + (conditioned ? 9 * Double(cout * cout) : 0) + (cin != cout ? Double(cin * cout) : 0))
    }
    func attention(_ c: Int, side r: Int) -> Double {
        let tokens = Double(r * r)
        return 4 * tokens * Double(c * c) + 2 * tokens * tokens * Double(c)
    }
    // One half of the UNet (or the whole encoder): input blocks and the middle block.
    func downPath(_ mult: [Int], resBlocks: Int, conditioned: Bool) -> (macs: Double, skips: [[Int]], channels: Int, side: Int) {
        let base = config.channels
        var ch = mult[0] * base, side = config.imageSize
        var macs = Double(side * side * 9 * config.imageChannels * ch)
        var skips: [[Int]] = Array(repeating: [], count: mult.count)
        skips[0].append(ch)
        for (level, m) in mult.enumerated() {
            for _ in 0..<resBlocks {
                macs += resBlock(ch, m * base, side: side, conditioned: conditioned)
                ch = m * base
                if config.attentionResolutions.contains(side) { macs += attention(ch, side: side) }
                skips[level].append(ch)
            }
            if level != mult.count - 1 {
                side /= 2
                macs += resBlock(ch, ch, side: side, conditioned: conditioned)
                skips[level + 1].append(ch)
            }
        }
        macs += 2 * resBlock(ch, ch, side: side, conditioned: conditioned) + attention(ch, side: side)
        return (macs, skips, ch, side)
    }
    var (unet, skips, ch, side) = downPath(config.channelMult, resBlocks: config.resBlocks, conditioned: true)
    for (level, m) in config.channelMult.enumerated().reversed() {
        for i in 0...config.resBlocks {
            unet += resBlock(ch + (skips[level].popLast() ?? 0), m * config.channels, side: side, conditioned: true)
            ch = m * config.channels
            if config.attentionResolutions.contains(side) { unet += attention(ch, side: side) }
            if level > 0 && i == config.resBlocks {
                side *= 2
                unet += resBlock(ch, ch, side: side, conditioned: true)
            }
        }
    }
    unet += Double(side * side * 9 * ch * config.imageChannels)
    let encoder = downPath(config.encoderChannelMult, resBlocks: config.encoderResBlocks, conditioned: false).macs
    return (2 * Double(batch) * unet / 1e9, 2 * Double(batch) * encoder / 1e9)
}

/// Random timesteps in 0 ..< 1000, one per image.
func randomTimesteps(_ count: Int) -> [Int] { (0..<count).map { _ in Int(rng.next() % 1000) } }

/// A 20-step DDIM decode of `batch` images from random z_sem and x_T (clipped x̂0, as DiffAE).
func decodeWorkload(_ name: String, _ model: DiffAE, batch: Int) -> Workload {
    let config = model.config
    let zSem = Tensor.randn([batch, config.zSemChannels], using: &rng)
    let noise = Tensor.randn([batch, config.imageChannels, config.imageSize, config.imageSize], using: &rng)
    return Workload(name: name, gflop: 20 * diffAEForwardGFLOP(config, batch: batch).unet, frames: batch) {
        _ = model.decode(zSem, noise: noise, steps: 20)
    }
}

/// A distilled student's decode (`talkingface distill`, `StudentRenderer`) of `batch` images:
/// one UNet pass from x_T at t = 950 and the DDIM move onto the clipped x̂0. The student is
/// the teacher's network, so the cpu64 UNet stands for it.
func studentWorkload(_ name: String, _ model: DiffAE, batch: Int) -> Workload {
    let config = model.config
    let zSem = Tensor.randn([batch, config.zSemChannels], using: &rng)
    let noise = Tensor.randn([batch, config.imageChannels, config.imageSize, config.imageSize], using: &rng)
    return Workload(name: name, gflop: diffAEForwardGFLOP(config, batch: batch).unet, frames: batch) {
        _ = model.decode(zSem, noise: noise, timesteps: [950])
    }
}

/// A training step of `batch` images: the ε-loss forward and backward through UNet and
/// encoder, dropout on; no optimiser step.
func trainWorkload(_ name: String, _ model: DiffAE, batch: Int) -> Workload {
    let config = model.config, side = config.imageSize
    let flop = diffAEForwardGFLOP(config, batch: batch)
    let x0 = Tensor.uniform([batch, config.imageChannels, side, side], in: -1...1, using: &rng)
    let noise = Tensor.randn([batch, config.imageChannels, side, side], using: &rng), timesteps = randomTimesteps(batch)
    return Workload(name: name, gflop: 3 * (flop.unet + flop.encoder)) {
        model.train()
        model.loss(x0: x0, timesteps: timesteps, noise: noise).backward()
        model.zeroGrad()
    }
}

let diffAEWorkloadMakers: [(names: [String], make: () -> [Workload])] = [
    (["diffae_ffhq64_unet_fwd_b1", "diffae_ffhq64_train_b8", "diffae_ffhq64_decode20_b16"], {
        let model = DiffAE(preset: .ffhq64)
        let config = model.config, side = config.imageSize
        let flop1 = diffAEForwardGFLOP(config, batch: 1)

        let x1 = Tensor.randn([1, 3, side, side], using: &rng), z1 = Tensor.randn([1, config.zSemChannels], using: &rng)
        let t1 = randomTimesteps(1)
        let forward = Workload(name: "diffae_ffhq64_unet_fwd_b1", gflop: flop1.unet) {
            model.eval()
            withoutGradients { _ = model.predictNoise(x1, timesteps: t1, zSem: z1) }
        }

        return [forward, trainWorkload("diffae_ffhq64_train_b8", model, batch: 8),
                decodeWorkload("diffae_ffhq64_decode20_b16", model, batch: 16)]
    }),
    (["diffae_cpu64_decode20_b16", "diffae_cpu64_student1_b16"], {
        let model = DiffAE(preset: .cpu64)
        return [decodeWorkload("diffae_cpu64_decode20_b16", model, batch: 16),
                studentWorkload("diffae_cpu64_student1_b16", model, batch: 16)]
    }),
    (["diffae_cpu128_train_b8", "diffae_cpu128_decode20_b16"], {
        let model = DiffAE(preset: .cpu128)
        return [trainWorkload("diffae_cpu128_train_b8", model, batch: 8),
                decodeWorkload("diffae_cpu128_decode20_b16", model, batch: 16)]
    }),
]
