#!/usr/bin/env bash
# A contact strip of frame folders, one row per folder, exact pixels:
#   bash experiments/frame_strip.sh OUT.png EVERY COUNT DIR...
# takes frames 0, EVERY, 2·EVERY, … (COUNT of them) of each DIR (00000.png, 00001.png, …),
# side by side, and stacks the rows in the order given. Needs ffmpeg.
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -lt 4 ]; then
  echo "frame_strip.sh: pass OUT.png, EVERY, COUNT and at least one frame folder" >&2
  usage >&2
  exit 2
fi
for dir in "${@:4}"; do
  if [ ! -f "$dir/00000.png" ]; then
    echo "frame_strip.sh: $dir has no 00000.png; pass folders of frames 00000.png, 00001.png, …" >&2
    exit 2
  fi
done
out=$1 every=$2 count=$3
shift 3
rows=$(mktemp -d)
trap 'rm -rf "$rows"' EXIT
inputs=() i=0
for dir in "$@"; do
  ffmpeg -v error -y -start_number 0 -i "$dir/%05d.png" -vf "select='not(mod(n,$every))',tile=${count}x1" \
    -frames:v 1 "$rows/$i.png"
  inputs+=(-i "$rows/$i.png"); i=$((i + 1))
done
ffmpeg -v error -y "${inputs[@]}" -filter_complex vstack=inputs=$i -pix_fmt rgb24 "$out"
