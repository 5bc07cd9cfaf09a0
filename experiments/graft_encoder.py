#!/usr/bin/env python3
"""Graft one DAE's semantic encoder onto another DAE's UNet (a training-recipe step).

The donor's encoder is copied in whole except its last 1x1 convolution (encoder/out/3), which is
re-fitted by least squares so that the grafted encoder reproduces the base model's z_sem on the
training frames; the base model's UNet then reads a code it knows. Used when the donor's z_sem
carries something the base model's does not (the shipped eps model's z_sem gives the mouth
opening at held-out R^2 0.98, the v-model's at 0.53-0.83), before training the result further.

Inputs: the two models (dae.h5 or checkpoint.h5 of one preset) and their z_sem of the same
frames (`talkingface dae encode --frames 0:5375 --refinements 0`). The donor's pooled features
are recovered exactly from its z_sem (its head conv has full column rank). The output is a copy of
the base file with the encoder replaced; `dae train --initial OUT` starts from it.

    python3 experiments/graft_encoder.py --donor Weights/default/dae.h5 --donor-latents d.h5 \
        --base runs/dae_vm2/checkpoint.h5 --base-latents b.h5 --out hybrid.h5

Needs numpy and h5py (not part of `make test`).
"""
import argparse
import shutil
import sys

import h5py
import numpy as np

HEAD = "encoder/out/3"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--donor", required=True, help="model whose encoder is grafted")
    p.add_argument("--donor-latents", required=True, help="the donor's z_sem of the training frames")
    p.add_argument("--base", required=True, help="model whose UNet is kept")
    p.add_argument("--base-latents", required=True, help="the base model's z_sem of the same frames")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    z_donor = h5py.File(a.donor_latents, "r")["z_sem"][:].astype(np.float64)  # (N, Z)
    z_base = h5py.File(a.base_latents, "r")["z_sem"][:].astype(np.float64)  # (N, Z)
    if z_donor.shape != z_base.shape:
        sys.exit(f"the latents disagree: {a.donor_latents} {z_donor.shape}, {a.base_latents} {z_base.shape}; encode the same frames")

    donor = h5py.File(a.donor, "r")
    w = donor[f"{HEAD}/weight"][:].astype(np.float64)[:, :, 0, 0]  # (Z, C)
    b = donor[f"{HEAD}/bias"][:].astype(np.float64)
    pooled = np.linalg.lstsq(w, (z_donor - b).T, rcond=None)[0].T  # (N, C)
    err = np.abs(pooled @ w.T + b - z_donor).max()
    if err > 1e-2 * max(1e-6, np.abs(z_donor).max()):
        sys.exit(f"the donor's pooled features do not reproduce its z_sem (max error {err:.3g})")

    # z_base ≈ pooled · W' + b', a ridge fit small enough only to keep the solve well posed
    x = np.c_[pooled, np.ones(len(pooled))]
    gram = x.T @ x
    coef = np.linalg.solve(gram + 1e-6 * np.trace(gram) / len(gram) * np.eye(len(gram)), x.T @ z_base)  # (C+1, Z)
    fitted = x @ coef
    r2 = 1 - ((fitted - z_base) ** 2).sum() / ((z_base - z_base.mean(0)) ** 2).sum()
    print(f"the grafted encoder reproduces the base z_sem of the training frames at R^2 {r2:.3f}")

    grafted = []  # the donor's encoder weights that replace the base's, checked before anything is written
    donor.visititems(lambda name, obj: grafted.append(name) if isinstance(obj, h5py.Dataset)
                     and name.startswith("encoder/") and not name.startswith(HEAD + "/") else None)
    with h5py.File(a.base, "r") as base:
        for name in grafted:
            if name not in base or base[name].shape != donor[name].shape:
                sys.exit(f"{name}: donor {donor[name].shape}, base {base[name].shape if name in base else 'missing'}; the models must share a preset")

    tmp = a.out + ".partial"
    shutil.copy(a.base, tmp)
    with h5py.File(tmp, "r+") as out:
        for name in grafted:
            out[name][...] = donor[name][...].astype(out[name].dtype)
        out[f"{HEAD}/weight"][...] = coef[:-1].T[:, :, None, None].astype(out[f"{HEAD}/weight"].dtype)
        out[f"{HEAD}/bias"][...] = coef[-1].astype(out[f"{HEAD}/bias"].dtype)
    shutil.move(tmp, a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
