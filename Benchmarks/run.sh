#!/usr/bin/env bash
# `make bench`: each workload in Swift, then in its PyTorch twin, back to back on this
# machine, 2 threads each; writes Benchmarks/results.json and prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
VENV=${BENCH_VENV:-Benchmarks/.venv}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  echo "creating the PyTorch twin's venv in $VENV (once)"
  python3 -m venv "$VENV"
  wheel=$(ls /opt/wheels/torch-*cpu*.whl 2>/dev/null | head -n 1 || true)
  if [ -n "$wheel" ]; then "$VENV/bin/pip" install -q "$wheel" numpy
  else "$VENV/bin/pip" install -q torch numpy; fi
fi

swift build -c release --product Bench
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
workloads=(conv2d_3x3_64_fwd conv2d_3x3_64_fwd_bwd diffae_resblocks_attn_train mha_256x256_fwd_bwd conformer_4x256_train)
for w in "${workloads[@]}"; do
  .build/release/Bench --runs "$RUNS" --only "$w" > "$workdir/swift_$w.json"
  OMP_NUM_THREADS=2 "$VENV/bin/python" Benchmarks/twin.py --runs "$RUNS" --only "$w" > "$workdir/torch_$w.json"
done
python3 Benchmarks/report.py "$workdir" Benchmarks/results.json
