#!/usr/bin/env bash
# Paste-back on a real clip, measured: generate --into, the seam's colour step before and
# after the colour match, and a frame strip.
#   bash experiments/pasteback_figures.sh SPEECH VIDEO OUT_DIR STRIP.png
# runs `talkingface generate --audio SPEECH --into VIDEO --out OUT_DIR/pasted.mp4` with the
# default speaker, prints the seam figures it reports (mean over frames of the mean absolute
# RGB difference, in 8-bit levels, between the pasted crop and the source over the ring
# within the feather of the mask's outline), and writes STRIP.png: four output frames
# (0, ⅓, ⅔ and the end of the source clip), one per row: source frame | generated crop
# (scaled to the frame's height) | pasted result, in 256 colours. TF picks the talkingface binary (default
# .build/release/talkingface). Needs ffmpeg.
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -ne 4 ]; then
  echo "pasteback_figures.sh: pass SPEECH, VIDEO, OUT_DIR and STRIP.png" >&2
  usage >&2
  exit 2
fi
speech=$1 video=$2 out=$3 strip=$4
TF=${TF:-$here/../.build/release/talkingface}
for f in "$speech" "$video" "$TF"; do
  [ -e "$f" ] || { echo "pasteback_figures.sh: $f does not exist" >&2; exit 2; }
done
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
mkdir -p "$out"
"$TF" generate --audio "$speech" --into "$video" --out "$out/pasted.mp4" 2>&1 | tee "$out/generate.log"
grep -o 'pasted .*levels with the colour match' "$out/generate.log"

# frames at 0, ⅓, ⅔ and the end of the source clip (within its first run, where output frame j
# shows source frame j), and the generated frame nearest each in time (25 fps)
count=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$video")
rate=$(ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 "$video")
height=$(ffprobe -v error -select_streams v:0 -show_entries stream=height -of csv=p=0 "$video")
rows=$(mktemp -d)
trap 'rm -rf "$rows"' EXIT
inputs=() i=0
for j in 0 $((count / 3)) $((2 * count / 3)) $((count - 1)); do
  g=$(awk -v j="$j" -v r="$rate" 'BEGIN { split(r, p, "/"); fps = p[1] / (p[2] ? p[2] : 1); printf "%d", j * 25 / fps + 0.5 }')
  ffmpeg -v error -y -i "$video" -vf "select='eq(n,$j)'" -frames:v 1 "$rows/s$i.png"
  ffmpeg -v error -y -i "$out/pasted/frames/$(printf %05d "$g").png" -vf "scale=-1:$height:flags=neighbor" "$rows/g$i.png"
  ffmpeg -v error -y -i "$out/pasted.mp4" -vf "select='eq(n,$j)'" -frames:v 1 "$rows/p$i.png"
  ffmpeg -v error -y -i "$rows/s$i.png" -i "$rows/g$i.png" -i "$rows/p$i.png" -filter_complex hstack=inputs=3 "$rows/row$i.png"
  inputs+=(-i "$rows/row$i.png"); i=$((i + 1))
done
# a 256-colour palette keeps the PNG small (about a quarter of its 24-bit size)
ffmpeg -v error -y "${inputs[@]}" -filter_complex \
  "vstack=inputs=$i,split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none" "$strip"
echo "strip → $strip"
