"""How much of each ground-truth factor the speech-to-latent model's predictions carry.

A ridge probe (z_sem → factor, standardised z, λ = 10) is fitted on the training frames'
encoded z_sem, then applied to (a) the encoded z_sem of held-out frames and (b) the z_sem
the model predicts from the held-out speech; each is correlated with the factor's truth.
(a) says what the DAE's code holds, (b) what the speech model recovers of it.

    python experiments/s2l_factor_probe.py LATENTS.h5 PREDICTED.h5 --train 0:5375 --held-out 5400:6000

LATENTS.h5: `talkingface dae encode` of the whole synthetic speaker (with its factors);
PREDICTED.h5: `talkingface s2l predict` on the held-out stretch's audio (`talkingface clip`).
Needs numpy and h5py.
"""
import argparse

import h5py
import numpy as np


def span(text):
    start, end = (int(x) for x in text.split(":"))
    return slice(start, end)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("latents")
parser.add_argument("predicted")
parser.add_argument("--train", type=span, required=True)
parser.add_argument("--held-out", type=span, required=True)
parser.add_argument("--factors", default="jaw_open,mouth_opening,lip_width,lip_rounding,yaw,pitch,roll,blink")
args = parser.parse_args()

encoded = h5py.File(args.latents, "r")
z = encoded["z_sem"][:]
predicted = h5py.File(args.predicted, "r")["z_sem"][:]
held = np.arange(len(z))[args.held_out]
n = min(len(held), len(predicted))
held, predicted = held[:n], predicted[:n]

train = z[args.train]
mean, std = train.mean(0), train.std(0) + 1e-12
x = (train - mean) / std
gram = x.T @ x + 10 * np.eye(x.shape[1])

print(f"{'factor':14s}  r(probe of encoded z)  r(probe of predicted z)   ({n} held-out frames)")
for name in args.factors.split(","):
    y = encoded["factors"][name][:]
    w = np.linalg.solve(gram, x.T @ (y[args.train] - y[args.train].mean()))
    truth = y[held]
    from_encoded = ((z[held] - mean) / std) @ w
    from_predicted = ((predicted - mean) / std) @ w
    r = lambda a: np.corrcoef(a, truth)[0, 1]
    print(f"{name:14s}  {r(from_encoded):20.3f}  {r(from_predicted):23.3f}")
