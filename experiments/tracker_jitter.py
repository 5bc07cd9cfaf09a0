#!/usr/bin/env python3
"""The face tracker's jitter on a still face: a photograph repeated as a video (H.264, so
the codec's own noise is in it), plain and with Gaussian sensor noise added to every frame,
run through `talkingface prepare` (One-Euro smoothing as shipped); prints the mean
frame-to-frame displacement of the 68 landmarks in crop pixels (landmarks.csv) and as a
fraction of the outer eye corners' distance. A perfectly steady tracker scores 0.

    python3 experiments/tracker_jitter.py PHOTO [PHOTO …] [--frames 100] [--noise 0 2 4]
        [--crop W:H:X:Y] [--size 128] [--bin .build/release/talkingface] [--keep DIR]

--crop cuts the photos first (ffmpeg's crop filter), e.g. to keep only the face where
something else in the picture passes dlib's detector as a larger face.

Needs ffmpeg (libx264) and numpy.
"""
import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def photo_pixels(photo, crop=None):
    """The photo (cut by `crop`, W:H:X:Y) as an RGB array, decoded by ffmpeg, its size rounded down to even for yuv420p."""
    if crop:
        width, height, x, y = (int(v) for v in crop.split(":"))
    else:
        probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                                "-of", "csv=p=0", str(photo)], check=True, capture_output=True, text=True).stdout
        (width, height), x, y = (int(v) for v in probe.strip().split(",")[:2]), 0, 0
    width, height = width // 2 * 2, height // 2 * 2
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(photo), "-vf", f"crop={width}:{height}:{x}:{y}",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def still_clip(pixels, frames, noise, path, seed=1):
    """`frames` copies of `pixels` at 25 fps, each with its own N(0, noise²) grey-level noise, as H.264 (crf 18)."""
    height, width, _ = pixels.shape
    encoder = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                                "-s", f"{width}x{height}", "-r", "25", "-i", "-", "-c:v", "libx264", "-crf", "18",
                                "-pix_fmt", "yuv420p", str(path)], stdin=subprocess.PIPE)
    rng = np.random.default_rng(seed)
    for _ in range(frames):
        frame = pixels.astype(np.float32)
        if noise > 0:
            frame = frame + rng.normal(0, noise, frame.shape).astype(np.float32)
        encoder.stdin.write(np.clip(np.rint(frame), 0, 255).astype(np.uint8).tobytes())
    encoder.stdin.close()
    if encoder.wait() != 0:
        raise SystemExit("ffmpeg failed to encode %s" % path)


def landmarks(path):
    rows = list(csv.DictReader(open(path)))
    return np.array([[[float(r[f"x{i}"]), float(r[f"y{i}"])] for i in range(68)] for r in rows])


def jitter(points):
    """Mean and 95th percentile of the landmarks' frame-to-frame displacement, and the eye distance."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=2)
    eyes = float(np.mean(np.linalg.norm(points[:, 36] - points[:, 45], axis=1)))
    return float(steps.mean()), float(np.percentile(steps, 95)), eyes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--noise", type=float, nargs="+", default=[0, 2, 4], help="sensor noise σ in grey levels (0: none)")
    parser.add_argument("--crop", help="cut every photo to W:H:X:Y first")
    parser.add_argument("--size", default="128", help="prepare's crop size")
    parser.add_argument("--bin", default=".build/release/talkingface")
    parser.add_argument("--keep", help="keep the clips and data sets in this folder")
    args = parser.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.keep or scratch)
        work.mkdir(parents=True, exist_ok=True)
        print("photo                 noise σ  frames  jitter mean px  p95 px  eye distance px  mean ÷ eye distance")
        for photo in args.photos:
            pixels = photo_pixels(photo, args.crop)
            for noise in args.noise:
                name = f"{Path(photo).stem}_noise{noise:g}"
                clip, data = work / f"{name}.mp4", work / name
                still_clip(pixels, args.frames, noise, clip)
                subprocess.run([args.bin, "prepare", "--video", str(clip), "--size", args.size, "--out", str(data)],
                               check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                points = landmarks(data / "landmarks.csv")
                mean, p95, eyes = jitter(points)
                print(f"{Path(photo).name:<21} {noise:7g}  {len(points):6d}  {mean:14.4f}  {p95:6.3f}  {eyes:15.1f}  {mean / eyes:.5f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
