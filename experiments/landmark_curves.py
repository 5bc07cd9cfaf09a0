#!/usr/bin/env python3
"""The landmark mouth opening as curves (docs/landmark_mouth_curves.png): a real face, tracked
(`talkingface eval ... --landmarks` on a clip's frames), above the drawn speaker's own frames
measured the same way against the renderer's analytic mouth opening (factors.csv).

    python3 experiments/landmark_curves.py --real REAL_EVAL.json --drawn DRAWN_EVAL.json \
        --factors DRAWN/factors.csv --out docs/landmark_mouth_curves.png [--sync SYNC.json ...]

REAL_EVAL.json and DRAWN_EVAL.json are `eval --json` outputs with a "landmarks" section;
their truth frames' per-frame mouth opening is plotted (null where no face was found). Each
--sync JSON (`eval --sync VIDEO --json`) adds a panel of its mouth opening and loudness.
Needs matplotlib.
"""
import argparse
import csv
import json
import math
import sys


def pearson(x, y):
    pairs = [(a, b) for a, b in zip(x, y) if a is not None and b is not None]
    n = len(pairs)
    if n < 2:
        return float("nan")
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def nan_for_none(xs):
    return [float("nan") if x is None else x for x in xs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", required=True, help="eval JSON with landmarks, of a real face clip")
    parser.add_argument("--real-label", default="carphone_pristine.mp4 (176×144, tracked)")
    parser.add_argument("--drawn", required=True, help="eval JSON with landmarks, of the drawn speaker's frames")
    parser.add_argument("--factors", required=True, help="the drawn speaker's factors.csv")
    parser.add_argument("--sync", action="append", default=[], help="eval --sync JSON (repeatable)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    real = json.load(open(args.real))["landmarks"]["per_frame"]["mouth_opening_truth"]
    drawn = json.load(open(args.drawn))["landmarks"]["per_frame"]["mouth_opening_truth"]
    with open(args.factors) as f:
        analytic = [float(row["mouth_opening"]) for row in csv.DictReader(f)][:len(drawn)]
    r = pearson(drawn, analytic)
    print(f"real: {sum(x is None for x in real)} of {len(real)} frames without a face; "
          f"drawn: {sum(x is None for x in drawn)} of {len(drawn)}; landmark vs analytic r {r:.3f}")

    panels = 2 + len(args.sync)
    fig, axes = plt.subplots(panels, 1, figsize=(10, 2.8 * panels))
    ax = axes[0]
    ax.plot(nan_for_none(real), color="tab:blue", lw=1.2)
    ax.set_title(f"Landmark mouth opening of a real face: {args.real_label}")
    ax.set_ylabel("inner-lip gap ÷ mouth width")
    ax.set_xlabel("frame")

    ax = axes[1]
    ax.plot(nan_for_none(drawn), color="tab:blue", lw=1.2, label="landmark (dlib, frames enlarged 4×)")
    ax.set_ylabel("inner-lip gap ÷ mouth width", color="tab:blue")
    ax.set_xlabel("frame")
    twin = ax.twinx()
    twin.plot(analytic, color="tab:red", lw=1.0, alpha=0.8, label="analytic (factors.csv)")
    twin.set_ylabel("rendered opening ÷ image height", color="tab:red")
    ax.set_title(f"Drawn speaker (64×64): landmark vs analytic mouth opening, r = {r:.3f}")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], loc="upper right", fontsize=8)

    for ax, path in zip(axes[2:], args.sync):
        s = json.load(open(path))["sync"]
        score = s["score"]
        ax.plot(nan_for_none(s["mouth_opening"]), color="tab:blue", lw=1.2, label="mouth opening (landmarks)")
        ax.set_ylabel("mouth opening", color="tab:blue")
        ax.set_xlabel("frame")
        twin = ax.twinx()
        twin.plot(s["loudness_db"], color="tab:green", lw=1.0, alpha=0.8, label="loudness (dB RMS)")
        twin.set_ylabel("dB", color="tab:green")
        ax.set_title(f"--sync {s['video']} (audio: {s['audio']}): r {score['r_lag0']:.3f} at lag 0, "
                     f"best lag {score['best_lag']:+d} (r {score['r_best_lag']:.3f})")
        lines = ax.get_lines() + twin.get_lines()
        ax.legend(lines, [l.get_label() for l in lines], loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main())
