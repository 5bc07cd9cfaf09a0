#!/usr/bin/env python3
"""How much of the synthetic speaker's expression any image encoder can read: a small CNN
trained to regress the six expression factors from the frames, scored by R² on the held-out
ends. `probe_pixel_ceiling.py` asks the same of a linear readout of the pixels, which the
head's motion limits (a brow that moves with the head is not one pixel's job); this is the
nonlinear counterpart, an estimate of what a latent part could hold at best.

    python3 experiments/probe_expression_cnn.py [--held-out 0.1] [--epochs 4] DATA_SET...

Split as `talkingface probe` and `dae train` split (per data set, the last --held-out fraction
after a 1 s gap is held out): the CNN trains on every training-part frame, like the DAE, and
is scored on every held-out frame. Targets are standardised on the training frames.
Network: four stride-2 3×3 convolutions (32, 64, 128, 128 channels, GroupNorm, SiLU), global
average pooling, a linear layer. Adam (lr 1e-3), batch 64, seed 0. Needs torch, numpy, pillow.
Prints per-factor R² and the group mean (the probe table's expression column).
"""
import argparse
import csv
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from probe_pixel_ceiling import EXPRESSION, split  # the probe's factor names and its time split


def load(root, fraction):
    meta = json.loads((root / "meta.json").read_text())
    rows = list(csv.DictReader(open(root / "factors.csv")))
    train, test = split(meta["frame_count"], meta["fps"], fraction)
    rest_smile = json.loads(meta["source"]["identity"])["restSmile"]
    def frames(indices):
        x = np.stack([np.asarray(Image.open(root / "frames" / f"{i:05d}.png").convert("RGB"), dtype=np.uint8) for i in indices])
        y = np.array([[float(rows[i][k]) for k in EXPRESSION] for i in indices], dtype=np.float32)
        y[:, EXPRESSION.index("smile")] -= rest_smile  # as the probe: the smile beyond the speaker's rest
        return x, y
    return frames(train), frames(test)


def network():
    layers, channels = [], 3
    for width in [32, 64, 128, 128]:
        layers += [torch.nn.Conv2d(channels, width, 3, stride=2, padding=1), torch.nn.GroupNorm(8, width), torch.nn.SiLU()]
        channels = width
    return torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(channels, len(EXPRESSION)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("data", nargs="+", type=Path)
    args = parser.parse_args()
    torch.manual_seed(0)
    parts = [load(root, args.held_out) for root in args.data]
    x_train = np.concatenate([p[0][0] for p in parts]); y_train = np.concatenate([p[0][1] for p in parts])
    x_test = np.concatenate([p[1][0] for p in parts]); y_test = np.concatenate([p[1][1] for p in parts])
    mean, std = y_train.mean(0), y_train.std(0) + 1e-8
    as_input = lambda x: torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.5 - 1  # (N, 3, S, S) in [−1, 1]
    model = network()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    targets = torch.from_numpy((y_train - mean) / std)
    generator = np.random.default_rng(0)
    for epoch in range(args.epochs):
        order = generator.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            loss = torch.nn.functional.mse_loss(model(as_input(x_train[batch])), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: training MSE (standardised) {total / len(order):.3f}", flush=True)
    model.eval()
    with torch.no_grad():
        prediction = torch.cat([model(as_input(x_test[s:s + 256])) for s in range(0, len(x_test), 256)]).numpy() * std + mean
    r2 = 1 - ((prediction - y_test) ** 2).sum(0) / ((y_test - y_test.mean(0)) ** 2).sum(0)
    print(f"CNN expression readout: {len(x_train)} training / {len(x_test)} held-out frames, {args.epochs} epochs")
    for name, value in zip(EXPRESSION, r2):
        print(f"  {name:14s} R² {value:6.3f}")
    print(f"  group mean: expression {r2.mean():.3f}")


if __name__ == "__main__":
    main()
