#!/usr/bin/env bash
# `make bench`: each workload in Swift, then in its PyTorch twin, back to back on this
# machine, 2 threads each; writes Benchmarks/results.json and prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
VENV=${BENCH_VENV:-Benchmarks/.venv}

# The twin needs torch, numpy and (for Wav2Vec2) transformers.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, transformers" 2>/dev/null; then
  echo "creating the PyTorch twin's venv in $VENV (once)"
  python3 -m venv "$VENV"
  wheel=$(ls /opt/wheels/torch-*cpu*.whl 2>/dev/null | head -n 1 || true)
  if [ -n "$wheel" ]; then "$VENV/bin/pip" install -q "$wheel" numpy transformers
  else "$VENV/bin/pip" install -q torch numpy transformers; fi
fi

swift build -c release --product Bench
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
# name:runs:warm-ups. The fast workloads run RUNS times after one warm-up; the slow ones
# (≈ 5-50 s per call with PyTorch here) run once, and the DDIM decodes without a warm-up
# (their 20 UNet passes warm the buffer pool themselves), so a whole `make bench` with
# RUNS=3 stays around 10 minutes on an idle machine.
workloads=(
  conv2d_3x3_64_fwd:$RUNS:1 conv2d_3x3_64_fwd_bwd:$RUNS:1 diffae_resblocks_attn_train:$RUNS:1
  mha_256x256_fwd_bwd:$RUNS:1 conformer_4x256_train:$RUNS:1
  diffae_ffhq64_unet_fwd_b1:$RUNS:1 diffae_ffhq64_train_b8:1:1
  diffae_ffhq64_decode20_b16:1:0 diffae_cpu64_decode20_b16:1:0 diffae_cpu64_student1_b16:$RUNS:1
  diffae_cpu128_train_b8:1:1 diffae_cpu128_decode20_b16:1:0
  s2l_cpu_train_b8x10s:$RUNS:1 s2l_diffdub_train_b8x10s:1:1 wav2vec2_base_fwd_10s:$RUNS:1
)
for entry in "${workloads[@]}"; do
  IFS=: read -r w runs warmup <<< "$entry"
  # BENCH_ONLY="name …" runs just those workloads (e.g. to check one twin).
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $w "* ]]; then continue; fi
  .build/release/Bench --runs "$runs" --warmup "$warmup" --only "$w" > "$workdir/swift_$w.json"
  OMP_NUM_THREADS=2 "$VENV/bin/python" Benchmarks/twin.py --runs "$runs" --warmup "$warmup" --only "$w" \
    > "$workdir/torch_$w.json"
done
python3 Benchmarks/report.py "$workdir" Benchmarks/results.json
