"""Helpers shared by the TalkingFace notebooks: run the `talkingface` CLI, read what it wrote.

The notebooks only drive the command-line tool and look at its files (PNG frames, CSV,
JSON, HDF5); nothing here reimplements the models.
"""
import csv
import json
import os
import shlex
import subprocess
import sys
import time
import wave
from pathlib import Path

import h5py
import numpy as np
from PIL import Image

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
os.chdir(ROOT)  # the notebooks work from the repository root, like the CLI's examples
MODE = os.environ.get("TALKINGFACE_NOTEBOOK_MODE", "full")
if MODE not in ("smoke", "full"):
    raise ValueError(f"TALKINGFACE_NOTEBOOK_MODE must be smoke or full, not {MODE!r}")


def _short(path):
    """Paths inside the repository relative to its root (shorter, and the same on every machine)."""
    path = Path(path).resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


BIN = _short(os.environ.get("TALKINGFACE_BIN", ".build/release/talkingface"))
# Everything the notebooks write goes under WORK (git-ignored), one folder per mode.
WORK = _short(os.environ.get("TALKINGFACE_NOTEBOOK_WORK", "Notebooks/.work")) / MODE
SMOKE = MODE == "smoke"


def banner():
    """The first output of every notebook: which mode produced the outputs below."""
    print(f"mode: {MODE} ({'tiny models trained for a few steps: the outputs show the plumbing, not quality' if SMOKE else 'the shipped speaker, realistic sizes'})")
    print(f"talkingface: {BIN}")
    print(f"work folder: {WORK}")
    if not BIN.exists():
        raise FileNotFoundError(f"{BIN} not found: build it with `swift build -c release` or set TALKINGFACE_BIN")
    WORK.mkdir(parents=True, exist_ok=True)


def talkingface(*args):
    """Runs `talkingface ARGS…`, printing its output as it comes; raises if it fails.
    (Progress bars print a plain line every 10 % when not on a terminal, as here.)"""
    args = [str(a) for a in args]
    print("$ talkingface " + " ".join(shlex.quote(a) for a in args), flush=True)
    started = time.time()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # the engine spreads work over the cores itself
    process = subprocess.Popen([str(BIN.resolve()), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)
    lines = []
    for line in process.stdout:
        line = line.replace(f"{ROOT}/", "")  # the CLI logs absolute paths; keep outputs machine-independent
        lines.append(line)
        print(line, end="", flush=True)
    if process.wait() != 0:
        raise RuntimeError(f"talkingface {args[0]} failed (exit {process.returncode}):\n" + "".join(lines[-20:]))
    print(f"({time.time() - started:.1f} s)")


def speak(text, path, voice="en-us"):
    """Speech from text with espeak-ng (a WAV file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(path), text], check=True)
    return path


def synth(out, speakers=1, minutes=0.2, size=32, seed=0):
    """Synthetic speakers (`talkingface synth`), made once; returns their data set folders."""
    out = Path(out)
    folders = [out / f"speaker_{k:02d}" for k in range(speakers)]
    if not all((f / "meta.json").exists() for f in folders):
        talkingface("synth", "--out", out, "--speakers", speakers, "--minutes", minutes, "--size", size, "--seed", seed)
    return folders


def smoke_speaker():
    """A tiny speaker bundle built from scratch with the real commands (seconds on 2 cores):
    synth → dae train → dae encode → s2l train → bundle. Made once per work folder."""
    root = WORK / "smoke_speaker"
    bundle = root / "bundle"
    if (bundle / "meta.json").exists():
        print(f"reusing {bundle}")
        return bundle
    [data] = synth(root / "data", speakers=1, minutes=0.2, size=32, seed=1)
    talkingface("dae", "train", "--data", data, "--preset", "tiny", "--steps", 5, "--batch", 4, "--out", root / "dae")
    talkingface("dae", "encode", "--model", root / "dae", "--data", data, "--out", root / "latents.h5")
    talkingface("s2l", "train", "--data", data, "--latents", root / "latents.h5", "--preset", "tiny",
                "--steps", 5, "--batch", 4, "--out", root / "s2l")
    talkingface("bundle", "--dae", root / "dae/dae.h5", "--s2l", root / "s2l/s2l.h5", "--data", data,
                "--latents", root / "latents.h5", "--steps", 5, "--out", bundle)
    return bundle


def speaker():
    """The speaker bundle of this mode: the shipped one (full) or a tiny one (smoke)."""
    if SMOKE:
        return smoke_speaker()
    bundle = Path("Weights/default")
    if not (bundle / "meta.json").exists():
        raise FileNotFoundError(f"{bundle} has no trained speaker yet; run with TALKINGFACE_NOTEBOOK_MODE=smoke")
    return bundle


def read_json(path):
    return json.loads(Path(path).read_text())


def read_csv(path):
    """A CSV file as {column: numpy array} (numbers where every value parses)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = {}
    for name in rows[0].keys() if rows else []:
        values = [r[name] for r in rows]
        try:
            columns[name] = np.array([float(v) for v in values])
        except ValueError:
            columns[name] = np.array(values)
    return columns


def read_h5(path):
    """Every dataset of an HDF5 file as {path: numpy array}, plus the root attributes."""
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
        attributes = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return arrays, attributes


def frame_paths(folder):
    """The PNG frames 00000.png … of a folder (or of its frames/ subfolder), in order."""
    folder = Path(folder)
    if (folder / "frames").is_dir():
        folder = folder / "frames"
    return sorted(folder.glob("[0-9]*.png"))


def load_frames(folder):
    """Every frame as float RGB in [0, 1]: (N, H, W, 3)."""
    return np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) / 255 for p in frame_paths(folder)])


def strip(folder, count=8):
    """`count` evenly spaced frames side by side, and their frame numbers."""
    paths = frame_paths(folder)
    picks = np.linspace(0, len(paths) - 1, min(count, len(paths))).round().astype(int)
    images = [np.asarray(Image.open(paths[i]).convert("RGB")) for i in picks]
    return np.concatenate(images, axis=1), picks


def loudness(wav_path, fps=25):
    """RMS of the speech per video frame (1/fps seconds each): (frames,)."""
    with wave.open(str(wav_path)) as w:
        assert w.getsampwidth() == 2, "16-bit PCM expected"
        rate, channels = w.getframerate(), w.getnchannels()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    samples = samples.reshape(-1, channels).mean(axis=1)
    hop = int(round(rate / fps))
    n = len(samples) // hop
    return np.sqrt((samples[: n * hop].reshape(n, hop) ** 2).mean(axis=1))


# The synthetic renderer's mouth-interior colour (FaceRenderer.mouthInterior) and head centre.
MOUTH_INTERIOR = np.array([0.08, 0.02, 0.03], dtype=np.float32)
HEAD_CENTRE = (0.5, 0.46)


def mouth_opening(frames):
    """A mouth-opening proxy per frame, as a fraction of the image height: a numpy sketch of
    `FaceMeasurement` (Swift). Each pixel counts by its place on the colour line from the lips
    to the mouth interior, so openings of a pixel register; the tallest column of the lower
    face wins. It skips the Swift version's checks (the run must end in lips; columns near the
    eyes' midline), so read it as a picture, and `talkingface eval` for figures."""
    n, h, w, _ = frames.shape
    cx, cy, unit = HEAD_CENTRE[0] * w, HEAD_CENTRE[1] * h, 0.3 * h
    openings = np.zeros(n, dtype=np.float32)
    for i, frame in enumerate(frames):
        cheeks = frame[int(cy + 0.12 * unit):int(cy + 0.4 * unit), int(cx - 0.45 * unit):int(cx + 0.45 * unit) + 1]
        skin = np.median(cheeks.reshape(-1, 3), axis=0) * 0.86  # the key light is dimmer at the mouth
        lip = skin * np.array([0.86, 0.62, 0.62]) + np.array([0.08, 0, 0.02]) * 0.7  # the renderer's lip colour
        axis = lip - MOUTH_INTERIOR
        region = frame[int(cy + 0.1 * unit):int(cy + 1.05 * unit) + 1, int(cx - 0.45 * unit):int(cx + 0.45 * unit) + 1]
        d = lip - region
        t = d @ axis / (axis @ axis)  # 0 at the lips, 1 at the interior
        off = ((d - t[..., None] * axis) ** 2).sum(-1) / (axis @ axis)
        share = np.where(off < 0.01, np.clip(t, 0, 1), 0)
        openings[i] = share.sum(axis=0).max() / h
    return openings
