#!/usr/bin/env bash
# Executes every notebook: `Notebooks/run.sh [smoke|full]` (default smoke).
#   smoke: tiny models built from scratch in about a minute (what CI runs)
#   full:  the shipped speaker Weights/default, realistic sizes (hours)
# By default the notebooks are executed in place (their stored outputs are replaced).
# NOTEBOOK_OUT=DIR writes the executed copies to DIR instead and leaves the committed
# notebooks untouched (CI). TALKINGFACE_NOTEBOOK_WORK picks the scratch folder the
# notebooks write to (default Notebooks/.work); TALKINGFACE_BIN the CLI binary.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-smoke}
case "$mode" in smoke|full) ;; *) echo "usage: Notebooks/run.sh [smoke|full]" >&2; exit 2 ;; esac

venv=Notebooks/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import nbclient, ipykernel, matplotlib, h5py, PIL" 2>/dev/null; then
  echo "== Python environment in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check nbclient nbformat ipykernel matplotlib numpy h5py pillow
fi

if [ -z "${TALKINGFACE_BIN:-}" ]; then
  echo "== swift build -c release --product talkingface"
  ${SWIFT:-swift} build -c release --product talkingface
  export TALKINGFACE_BIN="$PWD/.build/release/talkingface"
fi

export TALKINGFACE_NOTEBOOK_MODE=$mode
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
work=${TALKINGFACE_NOTEBOOK_WORK:-Notebooks/.work}
# smoke builds everything from scratch every time; full reuses its long runs
[ "$mode" = smoke ] && rm -rf "$work/smoke"

started=$SECONDS
for notebook in Notebooks/[0-9]*.ipynb; do
  target=$notebook
  if [ -n "${NOTEBOOK_OUT:-}" ]; then mkdir -p "$NOTEBOOK_OUT"; target="$NOTEBOOK_OUT/$(basename "$notebook")"; fi
  echo "== $notebook ($mode) → $target"
  "$venv/bin/python" - "$notebook" "$target" <<'EOF'
import sys, time, nbformat
from nbclient import NotebookClient
source, target = sys.argv[1], sys.argv[2]
notebook = nbformat.read(source, as_version=4)
started = time.time()
# a cell error raises CellExecutionError (with the traceback) and fails the run
NotebookClient(notebook, timeout=None, kernel_name="python3", coalesce_streams=True,
               resources={"metadata": {"path": "Notebooks"}}).execute()
nbformat.write(notebook, target)
print(f"   ok in {time.time() - started:.0f} s")
EOF
done
echo "== notebooks ($mode) executed in $((SECONDS - started)) s"
