#!/usr/bin/env python3
"""A reference row for `talkingface probe`: the same ridge probe, fitted on the frames' own
pixels instead of a latent part, i.e. how much of each factor a linear readout of the image
itself finds with as many frames. A latent is a nonlinear encoding and could in principle do
better; when the pixels and the whole unsplit z_sem both stop near the same R², the limit is how
visible the factor is at this image size, not how the latent is split.

    python3 experiments/probe_pixel_ceiling.py [--held-out 0.1] DATA_SET...

It mirrors the probe's sampling (`LatentProbe.collect`): per data set at most 400 frames at an
even stride; the last --held-out fraction after a 1 s gap is the test part; the last 20 % of
the rest (after another 1 s gap) picks λ from the probe's grid per factor, and the fit is then
redone on fit + validation frames. Features (64×64×3 pixel values) are standardised with the
training rows' statistics, the ridge is (XᵀX + λ·n·I) w = Xᵀy, as in `RidgeRegression`, but
solved in its dual form (n × n): the probe's own solve would be a 12,288² system.
Prints per-factor test R² and the group means (the probe's table row). Needs numpy and pillow.
"""
import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

GRID = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]
POSE = ["yaw", "pitch", "roll"]
EXPRESSION = ["jaw_open", "lip_width", "lip_rounding", "smile", "blink", "brow_raise"]


def split(n, fps, fraction, gap_seconds=1.0):
    held = int(round(n * fraction))
    gap = min(int(round(gap_seconds * fps)), max(0, n - held - 1)) if held > 0 else 0
    return range(0, max(0, n - held - gap)), range(n - held, n)


def identity_values(meta):
    f = json.loads(meta["source"]["identity"])
    values = [f[k] for k in ["headWidth", "headDepth", "scale", "eyeSpacing", "eyeHeight", "eyeSize", "mouthWidth",
                             "noseSize", "browTilt", "hairline", "fringe", "hairVolume", "restSmile"]]
    for k in ["skin", "hair", "iris", "lips", "background", "shirt"]:
        values += f[k]
    return values


def collect(root, fraction):
    meta = json.loads((root / "meta.json").read_text())
    rows = list(csv.DictReader(open(root / "factors.csv")))
    n, fps = meta["frame_count"], meta["fps"]
    train, test = split(n, fps, fraction)
    inner_fit, inner_val = split(len(train), fps, 0.2)
    stride = max(1, math.ceil(n / 400))
    plan = [(i, "fit") for i in range(inner_fit.start, inner_fit.stop, stride)]
    plan += [(i, "validation") for i in range(inner_val.start + train.start, inner_val.stop + train.start, stride)]
    plan += [(i, "test") for i in range(test.start, test.stop, stride)]
    identity = identity_values(meta)
    rest_smile = json.loads(meta["source"]["identity"])["restSmile"]
    x, y, roles = [], [], []
    for i, role in plan:
        image = Image.open(root / "frames" / f"{i:05d}.png").convert("RGB")
        x.append(np.asarray(image, dtype=np.float64).ravel() / 255)
        # as the probe: the smile beyond the speaker's rest smile (an identity value)
        y.append(identity + [float(rows[i][k]) - (rest_smile if k == "smile" else 0) for k in POSE + EXPRESSION])
        roles.append(role)
    return x, y, roles


def ridge(x, y, lam):
    """Dual form (n < P): w = Xᵀ (X Xᵀ + λ n I)⁻¹ y, on standardised x and centred y."""
    n = len(x)
    return x.T @ np.linalg.solve(x @ x.T + lam * n * np.eye(n), y)


def r_squared(prediction, truth):
    residual = ((prediction - truth) ** 2).sum(0)
    total = ((truth - truth.mean(0)) ** 2).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 1 - residual / total, np.nan)


def standardise(x, rows):
    mean, std = x[rows].mean(0), x[rows].std(0)
    scale = np.where(std > 0, 1 / np.where(std > 0, std, 1), 0)
    return (x - mean) * scale


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", type=float, default=0.1)
    parser.add_argument("data", nargs="+", type=Path)
    args = parser.parse_args()
    x, y, roles = [], [], []
    for root in args.data:
        a, b, c = collect(root, args.held_out)
        x += a; y += b; roles += c
    x, y, roles = np.array(x), np.array(y), np.array(roles)
    fit, val, test = roles == "fit", roles == "validation", roles == "test"
    # λ per factor on validation (features standardised on the fit rows), then refit on both.
    xs = standardise(x, fit)
    ym = y[fit].mean(0)
    scores = np.array([r_squared(xs[val] @ ridge(xs[fit], y[fit] - ym, lam) + ym, y[val]) for lam in GRID])  # (λ, Q)
    best = [GRID[int(np.nanargmax(np.nan_to_num(scores[:, q], nan=-np.inf)))] for q in range(y.shape[1])]
    train = fit | val
    xs = standardise(x, train)
    ym = y[train].mean(0)
    prediction = np.zeros((test.sum(), y.shape[1]))
    for lam in sorted(set(best)):
        cols = [q for q in range(y.shape[1]) if best[q] == lam]
        prediction[:, cols] = xs[test] @ ridge(xs[train], y[train][:, cols] - ym[cols], lam) + ym[cols]
    r2 = r_squared(prediction, y[test])
    n_identity = y.shape[1] - len(POSE) - len(EXPRESSION)
    names = [f"identity_{q}" for q in range(n_identity)] + POSE + EXPRESSION
    print(f"pixel ridge probe: {fit.sum()} fit / {val.sum()} validation / {test.sum()} test frames, {x.shape[1]} features")
    for name, value in zip(names[n_identity:], r2[n_identity:]):
        print(f"  {name:14s} R² {value:6.3f}")
    groups = {"identity": r2[:n_identity], "pose": r2[n_identity:n_identity + 3], "expression": r2[n_identity + 3:]}
    print("  group means:", ", ".join(f"{g} {np.nanmean(v):.3f}" for g, v in groups.items()))


if __name__ == "__main__":
    main()
