#!/usr/bin/env python3
"""Writes the PyTorch goldens that Tests/GoldenTests compare the Swift engine against.

    /path/to/venv/bin/python Tests/Fixtures/make_op_goldens.py

Needs torch (made with torch 2.13.0+cpu) and safetensors. Output:
Tests/Fixtures/op_goldens.safetensors. `make test` never runs this script; it only
reads its output. Everything here is generated from fixed seeds: no external data.

For every case `name` the file holds
    name.in0, name.in1, ...   differentiable inputs
    name.c0, name.c1, ...     constant inputs (masks, running statistics, ...)
    name.out                  the forward output
    name.gy                   a random upstream gradient (same shape as out)
    name.grad0, ...           d(sum(out * gy)) / d(in_k), computed by torch.autograd
Scalar attributes (stride, groups, ...) are not stored: the Swift test table repeats
them next to the case name, exactly as written here.

Two composite blocks come sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_blocks.py (shared with Benchmarks/twin.py):
  * resblock: DiffAE's ResBlock conditioned on a time embedding and a 512-d z_sem.
  * conformer: one Conformer block with relative-position self-attention.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_blocks import conformer, rel_positions, resblock

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_goldens.safetensors")
tensors = {}


def rand(*shape, lo=-1.0, hi=1.0):
    return torch.rand(tuple(shape)) * (hi - lo) + lo


def case(name, fn, inputs, consts=()):
    """Runs fn(*inputs, *consts), back-propagates a random gy, stores everything."""
    xs = [x.detach().clone().requires_grad_(True) for x in inputs]
    cs = [c.detach().clone() for c in consts]
    # Constants that fn mutates (BatchNorm running stats) are stored before the call.
    for k, c in enumerate(cs):
        tensors[f"{name}.c{k}"] = c.clone().float().contiguous()
    out = fn(*xs, *cs)
    gy = rand(*out.shape)
    grads = torch.autograd.grad(out, xs, gy, allow_unused=True)
    for k, x in enumerate(xs):
        tensors[f"{name}.in{k}"] = x.detach().contiguous()
        g = grads[k] if grads[k] is not None else torch.zeros_like(x)
        tensors[f"{name}.grad{k}"] = g.clone().contiguous()
    tensors[f"{name}.out"] = out.detach().contiguous()
    tensors[f"{name}.gy"] = gy.contiguous()


# ---------------------------------------------------------------- elementwise
case("add_broadcast", lambda a, b: a + b, [rand(2, 3, 4, 5), rand(3, 1, 5)])
case("sub_broadcast", lambda a, b: a - b, [rand(2, 3, 4), rand(4)])
case("mul_channel", lambda a, b: a * b, [rand(2, 3, 4, 4), rand(2, 3, 1, 1)])
case("div", lambda a, b: a / b, [rand(3, 7), rand(3, 7, lo=0.5, hi=2.0)])
case("scalar_ops", lambda a: (2.0 * a + 1.0) / 4.0 - 3.0, [rand(3, 5)])
case("neg", lambda a: -a, [rand(3, 5)])
case("exp", torch.exp, [rand(4, 9, lo=-5, hi=5)])
case("log", torch.log, [rand(4, 9, lo=0.1, hi=5)])
case("sqrt", torch.sqrt, [rand(4, 9, lo=0.1, hi=5)])
case("abs", torch.abs, [rand(4, 9)])
case("square", torch.square, [rand(4, 9)])
case("pow", lambda a: a.pow(1.5), [rand(4, 9, lo=0.1, hi=3)])
case("silu", F.silu, [rand(4, 37, lo=-6, hi=6)])
case("gelu", F.gelu, [rand(4, 37, lo=-6, hi=6)])
case("sigmoid", torch.sigmoid, [rand(4, 37, lo=-8, hi=8)])
case("tanh", torch.tanh, [rand(4, 37, lo=-4, hi=4)])
case("relu", F.relu, [rand(4, 37)])
case("glu", lambda a: F.glu(a, dim=1), [rand(2, 8, 5)])

# ---------------------------------------------------------------- reductions and shapes
case("sum_dims", lambda a: a.sum(dim=(0, 2)), [rand(3, 4, 5)])
case("sum_keepdim", lambda a: a.sum(dim=1, keepdim=True), [rand(3, 4, 5)])
case("mean_all", lambda a: a.mean(), [rand(3, 4, 5)])
case("mean_dims", lambda a: a.mean(dim=(2, 3), keepdim=True), [rand(2, 3, 4, 5)])
case("permute", lambda a: a.permute(0, 2, 3, 1), [rand(2, 3, 4, 5)])
case("transpose", lambda a: a.transpose(1, 2), [rand(2, 3, 4)])
case("concat", lambda a, b: torch.cat([a, b], dim=1), [rand(2, 3, 4), rand(2, 5, 4)])
case("split", lambda a: torch.cat([p * (k + 1) for k, p in enumerate(torch.split(a, [2, 3, 1], dim=2))], dim=2),
     [rand(2, 3, 6)])
case("slice", lambda a: a[:, 1:4], [rand(2, 6, 3)])
case("expand", lambda a: a.expand(2, 3, 4), [rand(1, 3, 1)])

# ---------------------------------------------------------------- matmul, attention, losses
case("matmul", torch.matmul, [rand(5, 7), rand(7, 3)])
case("matmul_batched", torch.matmul, [rand(2, 3, 5, 7), rand(3, 7, 4)])
case("linear", F.linear, [rand(2, 6, 8), rand(5, 8), rand(5)])
case("softmax", lambda a: F.softmax(a, dim=-1), [rand(3, 4, 17, lo=-4, hi=4)])
case("softmax_dim1", lambda a: F.softmax(a, dim=1), [rand(3, 4, 5, lo=-4, hi=4)])
case("log_softmax", lambda a: F.log_softmax(a, dim=-1), [rand(3, 17, lo=-4, hi=4)])
mask = (torch.rand(2, 1, 6, 7) > 0.3).float()
mask[..., 0] = 1.0  # every query keeps at least one key
case("attention_mask_bias",
     lambda q, k, v, b, m: torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + b
                                         + (m - 1.0) * 1e9, dim=-1) @ v,
     [rand(2, 2, 6, 4), rand(2, 2, 7, 4), rand(2, 2, 7, 4), rand(1, 2, 6, 7)], consts=[mask])
case("attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
     [rand(1, 4, 16, 8), rand(1, 4, 16, 8), rand(1, 4, 16, 8)])
loss_mask = (torch.rand(3, 5, 1) > 0.4).float()
loss_mask[0, 0, 0] = 1.0
case("mse", lambda a, b: F.mse_loss(a, b), [rand(3, 5, 4), rand(3, 5, 4)])
case("l1", lambda a, b: F.l1_loss(a, b), [rand(3, 5, 4), rand(3, 5, 4)])
case("mse_masked", lambda a, b, m: ((a - b) ** 2 * m).sum() / (m.expand_as(a).sum()),
     [rand(3, 5, 4), rand(3, 5, 4)], consts=[loss_mask])
case("l1_masked", lambda a, b, m: ((a - b).abs() * m).sum() / (m.expand_as(a).sum()),
     [rand(3, 5, 4), rand(3, 5, 4)], consts=[loss_mask])
indices = torch.tensor([[1, 4, 0], [3, 3, 2]])
case("embedding", lambda w, i: F.embedding(i.long(), w), [rand(5, 6)], consts=[indices.float()])

# ---------------------------------------------------------------- convolution, pooling, norms
case("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1), [rand(2, 3, 8, 8), rand(4, 3, 3, 3), rand(4)])
case("conv2d_stride_dilation", lambda x, w: F.conv2d(x, w, None, stride=2, padding=2, dilation=2),
     [rand(2, 3, 9, 9), rand(4, 3, 3, 3)])
case("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
     [rand(2, 4, 6, 6), rand(6, 2, 3, 3), rand(6)])
case("conv2d_1x1", lambda x, w, b: F.conv2d(x, w, b), [rand(2, 5, 4, 4), rand(3, 5, 1, 1), rand(3)])
case("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [rand(2, 3, 11), rand(5, 3, 4), rand(5)])
case("conv1d_depthwise", lambda x, w, b: F.conv1d(x, w, b, padding=3, groups=6),
     [rand(2, 6, 13), rand(6, 1, 7), rand(6)])
case("conv1d_dilation", lambda x, w: F.conv1d(x, w, None, padding=2, dilation=2), [rand(1, 2, 9), rand(3, 2, 3)])
case("upsample_nearest", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), [rand(2, 3, 4, 5)])
case("avg_pool", lambda x: F.avg_pool2d(x, 2, 2), [rand(2, 3, 8, 6)])
case("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5), [rand(2, 4, 5, 3), rand(4), rand(4)])
case("group_norm_32", lambda x, w, b: F.group_norm(x, 32, w, b, eps=1e-5),
     [rand(2, 64, 4, 4, lo=-3, hi=5), rand(64), rand(64)])
case("layer_norm", lambda x, w, b: F.layer_norm(x, (x.shape[-1],), w, b, eps=1e-5),
     [rand(2, 5, 16, lo=-2, hi=4), rand(16), rand(16)])
case("batch_norm_train",
     lambda x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5),
     [rand(4, 3, 6), rand(3), rand(3)], consts=[torch.zeros(3), torch.ones(3)])
case("batch_norm_eval",
     lambda x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-5),
     [rand(4, 3, 6), rand(3), rand(3)], consts=[rand(3) * 0.1, rand(3, lo=0.5, hi=2)])


def weight_norm(v, g, dim):
    """torch.nn.utils.weight_norm: w = g * v / ||v||, norm over all dims except `dim`."""
    dims = [d for d in range(v.dim()) if d != dim]
    return g * v / v.norm(dim=dims, keepdim=True)


case("weight_norm", lambda v, g: weight_norm(v, g, 2), [rand(4, 2, 5), rand(1, 1, 5, lo=0.5, hi=2)])


# ---------------------------------------------------------------- DiffAE ResBlock (time + z_sem)
C_IN, C_OUT, EMB, ZDIM = 32, 64, 64, 512
case("resblock", resblock, [
    rand(2, C_IN, 8, 8), rand(2, EMB), rand(2, ZDIM),
    1 + 0.1 * rand(C_IN), 0.1 * rand(C_IN),
    rand(C_OUT, C_IN, 3, 3) / math.sqrt(9 * C_IN), 0.1 * rand(C_OUT),
    rand(2 * C_OUT, EMB) / math.sqrt(EMB), 0.1 * rand(2 * C_OUT),
    rand(C_OUT, ZDIM) / math.sqrt(ZDIM), 0.1 * rand(C_OUT),
    1 + 0.1 * rand(C_OUT), 0.1 * rand(C_OUT),
    rand(C_OUT, C_OUT, 3, 3) / math.sqrt(9 * C_OUT), 0.1 * rand(C_OUT),
    rand(C_OUT, C_IN, 1, 1) / math.sqrt(C_IN), 0.1 * rand(C_OUT),
])


# ---------------------------------------------------------------- Conformer block
D, FF, K, T, HEADS = 32, 64, 7, 10, 2
s = 1 / math.sqrt(D)
ln = lambda: [1 + 0.1 * rand(D), 0.1 * rand(D)]
ffn_params = lambda: ln() + [rand(FF, D) * s, 0.1 * rand(FF), rand(D, FF) / math.sqrt(FF), 0.1 * rand(D)]
params = (ffn_params()
          + ln() + [rand(D, D) * s, 0.1 * rand(D), rand(D, D) * s, 0.1 * rand(D), rand(D, D) * s, 0.1 * rand(D),
                    rand(D, D) * s, 0.1 * rand(D), rand(D, D) * s, 0.1 * rand(HEADS, D // HEADS),
                    0.1 * rand(HEADS, D // HEADS)]
          + ln() + [rand(2 * D, D, 1) * s, 0.1 * rand(2 * D), rand(D, 1, K) / math.sqrt(K), 0.1 * rand(D),
                    1 + 0.1 * rand(D), 0.1 * rand(D), rand(D, D, 1) * s, 0.1 * rand(D)]
          + ffn_params() + ln())
case("conformer", lambda x, *p: conformer(x, rel_positions(T, D), *p, heads=HEADS), [rand(2, T, D)] + params)
tensors["conformer.pos_emb"] = rel_positions(T, D).contiguous()

save_file(tensors, OUT, metadata={"torch": torch.__version__, "script": "Tests/Fixtures/make_op_goldens.py"})
print(f"wrote {len(tensors)} tensors to {OUT} ({os.path.getsize(OUT) / 1e3:.0f} kB)")
