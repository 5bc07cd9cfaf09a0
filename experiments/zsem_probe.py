#!/usr/bin/env python3
"""How much of each synthetic factor a DAE's z_sem holds: a ridge probe fitted on one latents
file (training frames) and scored on another (held-out frames), as R^2 and r.

    talkingface dae encode --model M --data data/synth/speaker_00 --frames 0:5375 --refinements 0 --out tr.h5
    talkingface dae encode --model M --data data/synth/speaker_00 --frames 5400:5650 --refinements 0 --out te.h5
    python3 experiments/zsem_probe.py tr.h5 te.h5

z_sem is standardised with the training frames' mean and spread first, so a collapsed code
(spread 1e-4) is probed as readily as a wide one; the ridge at λ = 100 shows whether a factor
lies in strong directions or only in faint ones. Needs numpy and h5py.
"""
import sys

import h5py
import numpy as np

FACTORS = ["mouth_opening", "jaw_open", "lip_width", "smile", "yaw", "pitch", "roll", "blink", "brow_raise"]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    train, test = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    z, zt = train["z_sem"][:].astype(np.float64), test["z_sem"][:].astype(np.float64)
    mean, spread = z.mean(0), z.std(0) + 1e-12
    print(f"z_sem spread (mean per channel): training {z.std(0).mean():.3g}, held-out {zt.std(0).mean():.3g}")
    x = np.c_[(z - mean) / spread, np.ones(len(z))]
    xt = np.c_[(zt - mean) / spread, np.ones(len(zt))]
    for name in FACTORS:
        if f"factors/{name}" not in train:
            continue
        y, yt = train[f"factors/{name}"][:], test[f"factors/{name}"][:]
        row = []
        for lam in (1.0, 100.0):
            w = np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)
            p = xt @ w
            r2 = 1 - ((p - yt) ** 2).sum() / ((yt - yt.mean()) ** 2).sum()
            row.append(f"λ {lam:>5.0f}: R² {r2:6.3f} r {np.corrcoef(p, yt)[0, 1]:6.3f}")
        print(f"{name:14s} " + "   ".join(row))


if __name__ == "__main__":
    main()
