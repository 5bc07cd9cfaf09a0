"""Golden PSNR / SSIM values for Tests/TalkingFaceTests/ImageQualityTests.swift.

Run with scikit-image installed:
    python3 Tests/Fixtures/make_metrics_fixture.py
Writes Tests/Fixtures/metrics/{pair*_a,pair*_b}.png and expected.json. The images are
seeded, so re-running reproduces the same files. Values are computed by scikit-image on
the 8-bit PNG pixels scaled to [0, 1] — exactly what the Swift side reads.
"""
import json
import pathlib

import numpy as np
import skimage
from scipy import ndimage
from skimage.io import imread, imsave
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

OUT = pathlib.Path(__file__).resolve().parent / "metrics"
OUT.mkdir(exist_ok=True)
rng = np.random.default_rng(1234)
H, W = 40, 48


def scene():
    """Smooth gradients plus a few discs and bars: edges and flat areas, like a face frame."""
    y, x = np.mgrid[0:H, 0:W] / max(H, W)
    img = np.stack([0.3 + 0.4 * x, 0.2 + 0.5 * y, 0.6 - 0.3 * x * y], axis=-1)
    for _ in range(5):
        cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(3, 10)
        mask = (np.mgrid[0:H, 0:W][0] - cy) ** 2 + (np.mgrid[0:H, 0:W][1] - cx) ** 2 < r * r
        img[mask] = rng.uniform(0, 1, 3)
    img[rng.integers(0, H - 4):, rng.integers(0, W - 6):rng.integers(0, W - 6) + 4] *= 0.5
    return np.clip(img, 0, 1)


def degrade(img, kind):
    if kind == "noise":
        return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1)
    if kind == "blur":
        return ndimage.gaussian_filter(img, sigma=(1.2, 1.2, 0))
    if kind == "shift":
        return np.roll(img, (1, 2), axis=(0, 1)) * 0.9 + 0.05
    raise ValueError(kind)


def to8(img):
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


expected = {"skimage_version": skimage.__version__, "pairs": []}
for i, kind in enumerate(["noise", "blur", "shift"]):
    a = scene()
    b = degrade(a, kind)
    name_a, name_b = f"pair{i}_a.png", f"pair{i}_b.png"
    imsave(OUT / name_a, to8(a), check_contrast=False)
    imsave(OUT / name_b, to8(b), check_contrast=False)
    a8 = imread(OUT / name_a).astype(np.float64) / 255
    b8 = imread(OUT / name_b).astype(np.float64) / 255
    psnr = peak_signal_noise_ratio(a8, b8, data_range=1.0)
    ssim = structural_similarity(a8, b8, data_range=1.0, channel_axis=-1, gaussian_weights=True,
                                 sigma=1.5, use_sample_covariance=False)
    expected["pairs"].append({"a": name_a, "b": name_b, "kind": kind, "psnr": psnr, "ssim": ssim})

(OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
print(json.dumps(expected, indent=2))
