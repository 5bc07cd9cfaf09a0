#!/usr/bin/env bash
# DDIM against DPM-Solver++(2M) (`--sampler dpm++`) decoding the z_sem of held-out frames from
# the speaker bundle's shared x_T at 5, 10 and 20 steps: PSNR against the 20-step DDIM frames,
# and against the 50-step DDIM frames (near the ODE's end), the analytic mouth opening r against
# the truth, and the wall time per frame (docs/results.md §2.9).
#   bash experiments/sampler_table.sh DATA BUNDLE OUT [FRAMES]
# DATA    the default speaker's data set, speaker_00 of
#         `talkingface synth --speakers 6 --minutes 4 --size 64 --seed 1` (`--speakers 1` draws the
#         same speaker_00)
# BUNDLE  the speaker bundle (Weights/default): its dae.h5 and its reference frame
# OUT     a folder for the held-out clip, the latents, the decoded frames and the reports (made)
# FRAMES  the held-out frames (default 5400:5464)
# TF      (environment) the talkingface binary (default .build/release/talkingface)
set -euo pipefail
if [ $# -lt 3 ]; then sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 2; fi
DATA=$(realpath -m -- "$1"); BUNDLE=$(realpath -m -- "$2"); OUT=$(realpath -m -- "$3"); FRAMES=${4:-5400:5464}
[ -n "${TF:-}" ] && TF=$(realpath -m -- "$TF")
cd "$(dirname "$0")/.."
TF=${TF:-.build/release/talkingface}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}

ref=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['made_by']['reference_frame'])" "$BUNDLE/meta.json")
mkdir -p "$OUT"
[ -d "$OUT/truth" ] || "$TF" clip --data "$DATA" --frames "$FRAMES" --out "$OUT/truth"
# z_sem of the held-out frames and the reference frame's x_T (the bundle's shared start)
[ -f "$OUT/latents.h5" ] || "$TF" dae encode --model "$BUNDLE/dae.h5" --data "$DATA" --frames "$FRAMES" \
  --reference-frame "$ref" --steps 20 --out "$OUT/latents.h5"

: > "$OUT/seconds.csv"
for steps in 50 20 10 5; do
  for sampler in ddim dpm++; do
    name=${sampler/++/pp}_$steps
    rm -rf "${OUT:?}/$name"
    start=$(date +%s.%N)
    "$TF" dae decode --model "$BUNDLE/dae.h5" --latents "$OUT/latents.h5" --noise reference \
      --steps "$steps" --sampler "$sampler" --out "$OUT/$name"
    echo "$name,$(echo "$(date +%s.%N) - $start" | bc)" >> "$OUT/seconds.csv"
    "$TF" eval --pred "$OUT/$name" --truth "$OUT/truth" --analytic --no-landmarks --json "$OUT/$name.truth.json"
    for reference in ddim_50 ddim_20; do
      [ "$name" = "$reference" ] || [ ! -d "$OUT/$reference" ] || "$TF" eval --pred "$OUT/$name" --truth "$OUT/$reference" \
        --no-analytic --no-landmarks --json "$OUT/$name.$reference.json"
    done
  done
done

python3 - "$OUT" <<'PY'
import csv, json, sys, os
out = sys.argv[1]
seconds = dict(csv.reader(open(os.path.join(out, "seconds.csv"))))
def psnr(name, reference):
    path = os.path.join(out, f"{name}.{reference}.json")
    return f"{json.load(open(path))['psnr']:.2f}" if os.path.exists(path) else "—"
print("| sampler | steps | PSNR vs DDIM 20 (dB) | PSNR vs DDIM 50 (dB) | mouth r (MAE) vs truth | PSNR vs truth (dB) | s / frame |")
print("|---|---|---|---|---|---|---|")
for steps in (50, 20, 10, 5):
    for sampler in ("ddim", "dpm++"):
        name = f"{sampler.replace('++', 'pp')}_{steps}"
        truth = json.load(open(os.path.join(out, name + ".truth.json")))
        frames = truth["frames"]
        mouth = truth["mouth_opening"]
        print(f"| {sampler} | {steps} | {psnr(name, 'ddim_20')} | {psnr(name, 'ddim_50')} | {mouth['correlation']:.4f} ({mouth['mae']:.4f}) "
              f"| {truth['psnr']:.2f} | {float(seconds[name]) / frames:.3f} |")
PY
