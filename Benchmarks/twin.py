#!/usr/bin/env python3
"""PyTorch twin of Benchmarks/Swift: the same workloads, shapes and configs.

    python Benchmarks/twin.py [--runs 5] [--warmup 1] [--only NAME] > torch.json

Runs on 2 threads (like the Swift side), `--warmup` untimed calls, then the median of
`--runs` timed calls per workload. Prints one JSON object {workload: seconds}.
The DiffAE workloads use the reference model of Tests/Fixtures/make_dae_goldens.py, the
speech-to-latent ones Benchmarks/s2l_twin.py, Wav2Vec2 the `transformers` model.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures"))
from reference_blocks import attention_block, conformer, rel_positions, resblock  # noqa: E402
import make_dae_goldens as dae  # noqa: E402
import s2l_twin  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(0)


def param(*shape, fan_in=None):
    fan_in = fan_in or (shape[1] if len(shape) > 1 else shape[0])
    return (torch.rand(*shape) * 2 - 1).div_(math.sqrt(fan_in)).requires_grad_(True)


# ------------------------------------------------------------------ conv2d 3x3 64→64, 8x64x64
def conv_workloads():
    x = torch.rand(8, 64, 64, 64).requires_grad_(True)
    w, b = param(64, 64, 3, 3, fan_in=576), param(64, fan_in=576)

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=1)

    def forward_backward():
        y = F.conv2d(x, w, b, padding=1)
        y.backward(torch.ones_like(y))
        x.grad = w.grad = b.grad = None

    return {"conv2d_3x3_64_fwd": forward, "conv2d_3x3_64_fwd_bwd": forward_backward}


# ------------------------------------------------------------------ DiffAE ResBlocks + attention
def resblock_params(cin, cout, emb=128, zdim=512):
    """Parameters of reference_blocks.resblock, same order as Swift's diffAEResBlockShapes."""
    p = [torch.ones(cin), torch.zeros(cin), param(cout, cin, 3, 3, fan_in=9 * cin), param(cout, fan_in=9 * cin),
         param(2 * cout, emb), param(2 * cout, fan_in=emb), param(cout, zdim), param(cout, fan_in=zdim),
         torch.ones(cout), torch.zeros(cout), param(cout, cout, 3, 3, fan_in=9 * cout), param(cout, fan_in=9 * cout)]
    if cin != cout:
        p += [param(cout, cin, 1, 1, fan_in=cin), param(cout, fan_in=cin)]
    return [q.detach().requires_grad_(True) for q in p]


def resblock_workload():
    """ResBlock 64→64 at 64², 64→128 at 32², 128→256 at 16² + attention (4 heads); batch 8."""
    blocks = [resblock_params(64, 64), resblock_params(64, 128), resblock_params(128, 256)]
    c = 256
    attention = [q.detach().requires_grad_(True) for q in
                 [torch.ones(c), torch.zeros(c), param(3 * c, c), param(3 * c, fan_in=c), param(c, c), param(c, fan_in=c)]]
    x, t, z = torch.rand(8, 64, 64, 64), torch.rand(8, 128), torch.rand(8, 512)
    params = [p for b in blocks for p in b] + attention

    def step():
        h = resblock(x, t, z, *blocks[0])
        h = resblock(F.avg_pool2d(h, 2), t, z, *blocks[1])
        h = attention_block(resblock(F.avg_pool2d(h, 2), t, z, *blocks[2]), *attention, heads=4)
        (h * h).mean().backward()
        for p in params:
            p.grad = None

    return {"diffae_resblocks_attn_train": step}


# ------------------------------------------------------------------ multi-head attention 256 x 256
def attention_workload():
    c, heads, n, tokens = 256, 4, 8, 256
    x = torch.rand(n, tokens, c)
    wq, wk, wv, wo = (param(c, c) for _ in range(4))
    bq, bk, bv, bo = (param(c, fan_in=c) for _ in range(4))
    params = [wq, wk, wv, wo, bq, bk, bv, bo]

    def step():
        split = lambda h: h.view(n, tokens, heads, c // heads).transpose(1, 2)
        q, k, v = split(F.linear(x, wq, bq)), split(F.linear(x, wk, bk)), split(F.linear(x, wv, bv))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // heads), dim=-1) @ v
        y = F.linear(att.transpose(1, 2).reshape(n, tokens, c), wo, bo)
        y.backward(torch.ones_like(y))
        for p in params:
            p.grad = None

    return {"mha_256x256_fwd_bwd": step}


# ------------------------------------------------------------------ Conformer stack
def conformer_workload(d=256, heads=4, ffn=1024, kernel=31, blocks=4, n=8, t=250):
    def ln():
        return [torch.ones(d).requires_grad_(), torch.zeros(d).requires_grad_()]

    def ffn_params():
        return ln() + [param(ffn, d), param(ffn, fan_in=d), param(d, ffn), param(d, fan_in=ffn)]

    layers = []
    for _ in range(blocks):
        layers.append(ffn_params()
                      + ln() + [param(d, d), param(d, fan_in=d), param(d, d), param(d, fan_in=d),
                                param(d, d), param(d, fan_in=d), param(d, d), param(d, fan_in=d),
                                param(d, d), param(heads, d // heads), param(heads, d // heads)]
                      + ln() + [param(2 * d, d, 1), param(2 * d, fan_in=d), param(d, 1, kernel, fan_in=kernel),
                                param(d, fan_in=kernel), torch.ones(d).requires_grad_(),
                                torch.zeros(d).requires_grad_(), param(d, d, 1), param(d, fan_in=d)]
                      + ffn_params() + ln())
    x = torch.rand(n, t, d)
    pos_emb = rel_positions(t, d)
    def step():
        h = x
        for p in layers:
            h = conformer(h, pos_emb, *p, heads=heads)
        (h * h).mean().backward()
        for p in layers:
            for q in p:
                q.grad = None

    return {"conformer_4x256_train": step}


# ------------------------------------------------------------------ DiffAE ffhq64 / cpu64 / cpu128
# DiffAEConfig's presets (Sources/DiffusionAutoencoder/DiffAEConfig.swift).
FFHQ64 = dae.Shape(image=64, ch=64, mult=(1, 2, 4, 8), res_blocks=2, attn=(16,), embed=512,
                   enc_mult=(1, 2, 4, 8, 8), enc_res_blocks=2, zsem=512, heads=1)
CPU64 = dae.Shape(image=64, ch=32, mult=(1, 2, 4, 4), res_blocks=1, attn=(16,), embed=512,
                  enc_mult=(1, 2, 4, 4, 4), enc_res_blocks=1, zsem=512, heads=1)
CPU128 = dae.Shape(image=128, ch=32, mult=(1, 1, 2, 4, 4), res_blocks=1, attn=(16,), embed=512,
                   enc_mult=(1, 1, 2, 4, 4, 4), enc_res_blocks=1, zsem=512, heads=1)


def decode_step(model, shape, batch):
    """20-step DDIM decode from random z_sem and x_T, clipping x̂0 (dae.ddim_move), as DiffAE.decode."""
    z, x_t = torch.randn(batch, shape.zsem), torch.randn(batch, 3, shape.image, shape.image)

    def step():
        model.eval()
        with torch.no_grad():
            x = x_t
            for i in reversed(range(len(dae.times))):
                eps = model(x, torch.full((batch,), dae.times[i]), z)
                target = dae.alphas_cumprod[dae.times[i - 1]] if i > 0 else 1.0
                x = dae.ddim_move(x, eps, dae.alphas_cumprod[dae.times[i]], target)

    return step


def student_step(model, shape, batch):
    """A distilled student's decode (StudentRenderer): one UNet pass from x_T at t = 950 and the
    DDIM move onto the clipped x̂0 (dae.ddim_move to ᾱ = 1); the student is the teacher's network."""
    z, x_t = torch.randn(batch, shape.zsem), torch.randn(batch, 3, shape.image, shape.image)

    def step():
        model.eval()
        with torch.no_grad():
            eps = model(x_t, torch.full((batch,), 950), z)
            dae.ddim_move(x_t, eps, dae.alphas_cumprod[950], 1.0)

    return step


def train_step(model, shape, batch):
    """ε-loss forward + backward through UNet and encoder, dropout on; no optimiser step."""
    s = shape.image
    x0, noise, t = torch.rand(batch, 3, s, s) * 2 - 1, torch.randn(batch, 3, s, s), torch.randint(0, 1000, (batch,))
    ab = torch.tensor(dae.alphas_cumprod[t.numpy()], dtype=torch.float64)

    def step():
        model.train()
        with torch.no_grad():
            x_t = ab.sqrt().float()[:, None, None, None] * x0 + (1 - ab).sqrt().float()[:, None, None, None] * noise
        loss = ((model(x_t, t, model.encoder(x0)) - noise) ** 2).mean()
        loss.backward()
        model.zero_grad(set_to_none=True)

    return step


def diffae_workloads():
    model = dae.AutoencModel(FFHQ64)
    s = FFHQ64.image
    x1, z1, t1 = torch.randn(1, 3, s, s), torch.randn(1, FFHQ64.zsem), torch.randint(0, 1000, (1,))

    def forward():
        model.eval()
        with torch.no_grad():
            model(x1, t1, z1)

    return {"diffae_ffhq64_unet_fwd_b1": forward, "diffae_ffhq64_train_b8": train_step(model, FFHQ64, 8),
            "diffae_ffhq64_decode20_b16": decode_step(model, FFHQ64, 16)}


def diffae_cpu64_workloads():
    model = dae.AutoencModel(CPU64)
    return {"diffae_cpu64_decode20_b16": decode_step(model, CPU64, 16),
            "diffae_cpu64_student1_b16": student_step(model, CPU64, 16)}


def diffae_cpu128_workloads():
    model = dae.AutoencModel(CPU128)
    return {"diffae_cpu128_train_b8": train_step(model, CPU128, 8),
            "diffae_cpu128_decode20_b16": decode_step(model, CPU128, 16)}


# ------------------------------------------------------------------ speech
def s2l_step(config):
    """Loss forward + backward at batch 8 × one 10 s window (all frames real); no optimiser step."""
    model = s2l_twin.SpeechToLatent(config).train()
    b, t = 8, config.window_frames
    features = torch.randn(b, t * config.stride, config.feature_dimension)
    latents, pose = torch.randn(b, t, config.latent_dimension), torch.randn(b, t, config.pose_dimension)
    lengths = torch.full((b,), t)

    def step():
        model.loss(features, latents, pose, lengths).backward()
        model.zero_grad(set_to_none=True)

    return step


def wav2vec2_workload():
    from transformers import Wav2Vec2Config, Wav2Vec2Model
    model = Wav2Vec2Model(Wav2Vec2Config()).eval()  # base: 768 wide, 12 layers, 12 heads, FFN 3072, group norm
    waveform = (torch.rand(1, 160_000) - 0.5) * 0.6

    def forward():
        with torch.no_grad():
            model(waveform, output_hidden_states=True)

    return {"wav2vec2_base_fwd_10s": forward}


# Built lazily (models take seconds and memory to make): names → maker.
MAKERS = [
    (("conv2d_3x3_64_fwd", "conv2d_3x3_64_fwd_bwd"), conv_workloads),
    (("diffae_resblocks_attn_train",), resblock_workload),
    (("mha_256x256_fwd_bwd",), attention_workload),
    (("conformer_4x256_train",), conformer_workload),
    (("diffae_ffhq64_unet_fwd_b1", "diffae_ffhq64_train_b8", "diffae_ffhq64_decode20_b16"), diffae_workloads),
    (("diffae_cpu64_decode20_b16", "diffae_cpu64_student1_b16"), diffae_cpu64_workloads),
    (("diffae_cpu128_train_b8", "diffae_cpu128_decode20_b16"), diffae_cpu128_workloads),
    (("s2l_cpu_train_b8x10s",), lambda: {"s2l_cpu_train_b8x10s": s2l_step(s2l_twin.CPU)}),
    (("s2l_diffdub_train_b8x10s",), lambda: {"s2l_diffdub_train_b8x10s": s2l_step(s2l_twin.DIFFDUB)}),
    (("wav2vec2_base_fwd_10s",), wav2vec2_workload),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    results = {}
    for names, make in MAKERS:
        if args.only and args.only not in names:
            continue
        for name, fn in make().items():
            if args.only and args.only != name:
                continue
            time_workload(name, fn, args, results)
    print(json.dumps(results))


def time_workload(name, fn, args, results):
    for _ in range(args.warmup):
        fn()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    results[name] = statistics.median(times)
    print(f"torch {name}: {results[name]:.4f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
