"""Golden values for Tests/NeuralNetworksTests, from PyTorch (and transformers' schedules).

Run from the repository root:  python3 Tests/Fixtures/make_nn_fixture.py
Writes Tests/Fixtures/nn_fixture.json (small; committed).
"""
import json
import math
import pathlib

import torch
from torch import nn
from transformers.optimization import get_cosine_with_min_lr_schedule_with_warmup

torch.manual_seed(0)


def tensor(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "values": [float(v) for v in t.reshape(-1).tolist()]}


# --- 1. State-dict keys of a nested module (mirrored by KeyTestNet in ModuleKeyTests.swift)

class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.w_1 = nn.Linear(8, 16)
        self.w_2 = nn.Linear(16, 8)


class MultiHeadedAttention(nn.Module):  # espnet.nets.pytorch_backend.transformer.attention
    def __init__(self):
        super().__init__()
        self.linear_q = nn.Linear(8, 8)
        self.linear_k = nn.Linear(8, 8)
        self.linear_v = nn.Linear(8, 8)
        self.linear_out = nn.Linear(8, 8)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm_ff = nn.LayerNorm(8)
        self.feed_forward = FeedForward()
        self.self_attn = MultiHeadedAttention()
        self.depthwise_conv = nn.Conv1d(8, 8, 3, padding=1, groups=8)
        self.batch_norm = nn.BatchNorm1d(8)


class KeyTestNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 8)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.group_norm = nn.GroupNorm(2, 8)
        self.out_conv = nn.Conv2d(8, 3, 3, padding=1, bias=False)
        self.scale = nn.Parameter(torch.ones(8))


net = KeyTestNet()
keys = {
    "parameters": [[k, list(p.shape)] for k, p in net.named_parameters()],
    "state": [[k, list(t.shape)] for k, t in net.state_dict().items()],
}

# --- 2. AdamW: three steps on two tensors with given gradients

p0 = [torch.randn(3, 5), torch.randn(7)]
grads = [[torch.randn_like(p) for p in p0] for _ in range(3)]
params = [nn.Parameter(p.clone()) for p in p0]
opt = torch.optim.AdamW(params, lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
after = []
for step in range(3):
    for p, g in zip(params, grads[step]):
        p.grad = g.clone()
    opt.step()
    after.append([tensor(p) for p in params])
state = opt.state_dict()["state"]
adamw = {
    "lr": 0.05, "betas": [0.9, 0.99], "eps": 1e-8, "weight_decay": 0.1,
    "initial": [tensor(p) for p in p0],
    "grads": [[tensor(g) for g in step] for step in grads],
    "after": after,
    "exp_avg": [tensor(state[i]["exp_avg"]) for i in range(2)],
    "exp_avg_sq": [tensor(state[i]["exp_avg_sq"]) for i in range(2)],
    "step": [float(state[i]["step"]) for i in range(2)],
}

# --- 3. clip_grad_norm_

clip = []
for max_norm in [0.5, 100.0]:
    ps = [nn.Parameter(torch.zeros(4, 3)), nn.Parameter(torch.zeros(6)), nn.Parameter(torch.zeros(2, 2))]
    gs = [torch.randn_like(p) * 2 for p in ps]
    for p, g in zip(ps, gs):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    clip.append({
        "max_norm": max_norm, "grads": [tensor(g) for g in gs],
        "total_norm": float(total), "clipped": [tensor(p.grad) for p in ps],
    })

# --- 4. Warm-up + cosine (transformers), learning-rate multipliers per step

schedules = []
for warmup, total, min_ratio in [(10, 50, 0.1), (0, 20, 0.0), (5, 5, 0.0)]:
    o = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    s = get_cosine_with_min_lr_schedule_with_warmup(o, warmup, total, min_lr_rate=min_ratio)
    schedules.append({
        "warmup": warmup, "total": total, "min_ratio": min_ratio,
        "factors": [s.lr_lambdas[0](step) for step in range(total + 1)],
    })

# --- 5. EMA, DiffAE's `ema(source, target, decay)`: target ← target·decay + source·(1−decay)

decay = 0.9
weights = [torch.randn(2, 3) for _ in range(4)]
average = weights[0].clone()
for w in weights[1:]:
    average = average * decay + w * (1 - decay)
ema = {"decay": decay, "weights": [tensor(w) for w in weights], "average": tensor(average)}

# --- 6. Multi-head attention, espnet's MultiHeadedAttention.forward with an additive score bias

mha = MultiHeadedAttention()
heads = 2
query, key_value = torch.randn(2, 3, 8), torch.randn(2, 4, 8)
mask = torch.ones(2, 1, 1, 4)
mask[1, ..., 3] = 0  # the second sequence has one padded key
score_bias = torch.randn(1, heads, 3, 4)
with torch.no_grad():
    def split(x):
        return x.view(x.size(0), -1, heads, 8 // heads).transpose(1, 2)
    q, k, v = split(mha.linear_q(query)), split(mha.linear_k(key_value)), split(mha.linear_v(key_value))
    scores = q @ k.transpose(-2, -1) / math.sqrt(8 // heads) + score_bias
    scores = scores.masked_fill(mask == 0, float("-inf"))
    attended = torch.softmax(scores, dim=-1) @ v
    output = mha.linear_out(attended.transpose(1, 2).reshape(2, 3, 8))
attention = {
    "heads": heads, "weights": {k: tensor(t) for k, t in mha.state_dict().items()},
    "query": tensor(query), "key_value": tensor(key_value), "mask": tensor(mask),
    "bias": tensor(score_bias), "output": tensor(output),
}

out = pathlib.Path(__file__).with_name("nn_fixture.json")
out.write_text(json.dumps({
    "torch_version": torch.__version__, "keys": keys, "adamw": adamw,
    "clip_grad_norm": clip, "warmup_cosine": schedules, "ema": ema, "attention": attention,
}))
print("wrote", out, out.stat().st_size, "bytes")
