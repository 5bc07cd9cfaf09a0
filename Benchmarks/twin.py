#!/usr/bin/env python3
"""PyTorch twin of Benchmarks/Swift: the same workloads, shapes and configs.

    python Benchmarks/twin.py [--runs 5] [--only NAME] > torch.json

Runs on 2 threads (like the Swift side), one warm-up call, then the median of
`--runs` timed calls per workload. Prints one JSON object {workload: seconds}.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    workloads = {}
    for make in (conv_workloads, resblock_workload, attention_workload, conformer_workload):
        workloads.update(make())
    results = {}
    for name, fn in workloads.items():
        if args.only and args.only != name:
            continue
        fn()  # warm-up
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        results[name] = statistics.median(times)
        print(f"torch {name}: {results[name]:.4f} s", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
