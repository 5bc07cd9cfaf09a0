#!/usr/bin/env bash
# How the 128×128 photo speaker (astronaut.png) was made and measured: every command, in order,
# with its seed. Stages: data | dae | encode | s2l | bundle | measure (default: all, in order).
#   bash experiments/photo_speaker.sh data dae
#   PHOTO=~/photos/astronaut.png bash experiments/photo_speaker.sh
#   bash experiments/photo_speaker.sh --help
# Each stage reruns cleanly; the training stages resume an interrupted run.
#
# Paths, as environment variables (relative ones from the caller's folder; the defaults from the
# repository root, where the script runs):
#   PHOTO      the portrait (default RUN/photo/astronaut.png: scikit-image's skimage/data/
#              astronaut.png, public domain; `pip download --no-deps scikit-image` and unzip it)
#   RUN        the training runs and measurements (default runs, which git ignores)
#   DATA       the photo speaker's data set (default RUN/photo/astronaut128/speaker_00; made by
#              the data stage)
#   SPEAKER    the bundle the bundle stage writes and measure reads (default RUN/photo/bundle)
#   DAE_MODEL  the DAE the later stages read (default RUN/dae_photo128_b/dae.h5)
#   LATENTS    its latents (default RUN/dae_photo128_b/latents.h5)
#   CLIP       the held-out clip, frames 5400–5649 (default RUN/photo/heldout_10s; made by measure)
#   TF         the talkingface binary (default .build/release/talkingface)
# DAE_SECONDS caps the DAE's training in wall time (default 10800: 3 hours on two cores); S2L_STEPS and STEPS set the s2l model's steps and the
# sampling steps.
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
from_caller TF PHOTO RUN DATA SPEAKER DAE_MODEL LATENTS CLIP
cd "$here/.."
TF=${TF:-.build/release/talkingface}
RUN=${RUN:-runs}
PHOTO=${PHOTO:-$RUN/photo/astronaut.png}
DATA=${DATA:-$RUN/photo/astronaut128/speaker_00}
SPEAKER=${SPEAKER:-$RUN/photo/bundle}
DAE_MODEL=${DAE_MODEL:-$RUN/dae_photo128_b/dae.h5}
LATENTS=${LATENTS:-$RUN/dae_photo128_b/latents.h5}
CLIP=${CLIP:-$RUN/photo/heldout_10s}
DAE_SECONDS=${DAE_SECONDS:-10800}
S2L_STEPS=${S2L_STEPS:-3000}
STEPS=${STEPS:-20}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
R=experiments/recipes

# within_budget FILE SECONDS COMMAND…: run COMMAND while the time spent on it, kept in FILE
# across runs (updated every 10 s, so a killed run loses at most that), stays under SECONDS;
# then stop it with SIGINT (a trainer checkpoints on it). That stop, or a Ctrl-C of the trainer
# alone, counts as success.
within_budget() {
  local file=$1 budget=$2 spent=0 start pid status=0 stopping=no
  shift 2
  [ -f "$file" ] && spent=$(cat "$file")
  [ "$spent" -lt "$budget" ] || return 0
  start=$(( $(date +%s) - spent ))
  "$@" & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    spent=$(( $(date +%s) - start ))
    echo "$spent" > "$file"
    if [ "$spent" -ge "$budget" ] && [ "$stopping" = no ]; then
      kill -INT "$pid" 2>/dev/null || true
      stopping=yes  # once: a second SIGINT would quit without the checkpoint
    fi
  done
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 130 ]
}

stage_data() {
  # One 4-minute photo speaker at 128×128: the drawn speaker 00's timeline on the photo.
  [ -d "$DATA" ] || "$TF" synth --photo "$PHOTO" --out "$(dirname "$DATA")" --speakers 1 --minutes 4 --size 128 --seed 1
}

stage_dae() {
  # The cpu64 DAE's 2-hour recipe (experiments/dae_experiments.sh fresh) on the cpu128 preset:
  # 1,000 steps from random weights with the motion weight, then z_sem's spread widened 1000×
  # and half of each batch at t ≥ 500, stopped by SIGINT (which checkpoints) when both parts
  # together have run DAE_SECONDS. A stopped run resumes with what is left (the time spent so far
  # is kept in RUN/dae_photo128.seconds).
  local a=$RUN/dae_photo128_a b=$RUN/dae_photo128_b budget=$RUN/dae_photo128.seconds
  if [ ! -f "$a/ck1000.h5" ]; then
    local resume=()
    [ -f "$a/checkpoint.h5" ] && resume=(--resume)
    within_budget "$budget" "$DAE_SECONDS" "$TF" dae train --data "$DATA" --preset cpu128 \
      --recipe "$R/v_motion_warmup200.json" --steps 1000 --checkpoint-every 250 --seed 21 --out "$a" "${resume[@]}"
    cp "$a/checkpoint.h5" "$a/ck1000.h5"
  fi
  if [ -f "$b/checkpoint.h5" ]; then
    within_budget "$budget" "$DAE_SECONDS" "$TF" dae train --out "$b" --resume --steps 20000
  else
    within_budget "$budget" "$DAE_SECONDS" "$TF" dae train --data "$DATA" --preset cpu128 \
      --recipe "$R/v_motion_gain1000_high_noise.json" --initial "$a/ck1000.h5" \
      --steps 20000 --checkpoint-every 250 --seed 22 --out "$b"
  fi
}

stage_encode() {
  "$TF" dae encode --model "$DAE_MODEL" --data "$DATA" --out "$LATENTS"
}

stage_s2l() {
  # The default speaker's speech model, trained the same way on this speaker's latents.
  local resume=()
  [ -f "$RUN/s2l_photo128/s2l.h5" ] && resume=(--resume)
  "$TF" s2l train --data "$DATA" --latents "$LATENTS" --out "$RUN/s2l_photo128" \
    --preset cpu --steps "$S2L_STEPS" --checkpoint-every 100 --seed 1 "${resume[@]}"
}

stage_bundle() {
  local spent
  spent=$(cat "$RUN/dae_photo128.seconds" 2>/dev/null || echo "?")
  "$TF" bundle --dae "$DAE_MODEL" --s2l "$RUN/s2l_photo128/s2l.h5" --data "$DATA" \
    --latents "$LATENTS" --steps "$STEPS" --name "photo speaker: astronaut" \
    --made-by "script=experiments/photo_speaker.sh" \
    --made-by "data=talkingface synth --photo astronaut.png --speakers 1 --minutes 4 --size 128 --seed 1" \
    --made-by "photo=scikit-image skimage/data/astronaut.png (Eileen Collins, NASA; public domain)" \
    --made-by "dae=cpu128, v-prediction, motion weight 50: 1,000 steps (seed 21), then semantic gain 1000 and high-noise share 0.5 (seed 22); ${spent} s in all" \
    --made-by "s2l=s2l train --preset cpu --steps $S2L_STEPS --seed 1" --force --out "$SPEAKER"
}

stage_measure() {
  # The held-out end's first 10 s (frames 5400–5649), through the bundle's float16 DAE and the
  # whole product; mouth figures by the face tracker (the photo has no drawn mouth to measure).
  local M=$RUN/photo/measure ref
  rm -rf "$M" && mkdir -p "$M"
  [ -d "$CLIP" ] || "$TF" clip --data "$DATA" --frames 5400:5650 --out "$CLIP"
  ref=$(python3 -c "import json; print(json.load(open('$SPEAKER/meta.json'))['made_by']['reference_frame'])")
  # DAE: both reconstructions of 64 held-out frames, and the z_sem-only decode of 250.
  "$TF" dae reconstruct --model "$SPEAKER/dae.h5" --data "$DATA" --frames 5400:5464 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/reconstruct"
  "$TF" dae encode --model "$SPEAKER/dae.h5" --data "$DATA" --frames 5400:5650 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/heldout_latents.h5"
  "$TF" dae decode --model "$SPEAKER/dae.h5" --latents "$M/heldout_latents.h5" --noise reference \
    --steps "$STEPS" --out "$M/semantic_decode"
  "$TF" eval --pred "$M/semantic_decode" --truth "$CLIP" --no-analytic --landmarks --json "$M/semantic_decode.json"
  # The product: held-out speech → video with the shared x_T; its sync against the truth clip's.
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$SPEAKER" --steps "$STEPS" --out "$M/shared.mp4"
  "$TF" eval --pred "$M/shared" --truth "$CLIP" --no-analytic --landmarks --json "$M/shared.json"
  ffmpeg -loglevel error -y -framerate 25 -i "$CLIP/frames/%05d.png" -i "$CLIP/audio.wav" -c:v libx264 \
    -pix_fmt yuv420p -crf 18 -c:a aac -shortest "$M/truth.mp4"
  "$TF" eval --sync "$M/truth.mp4" --json "$M/truth_sync.json"
  "$TF" eval --sync "$M/shared.mp4" --json "$M/shared_sync.json"
  # Pasted back into the photo: a 10 s still video of it.
  ffmpeg -loglevel error -y -loop 1 -framerate 25 -i "$PHOTO" -t 10 -c:v libx264 -pix_fmt yuv420p -crf 18 "$M/photo.mp4"
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$SPEAKER" --steps "$STEPS" --into "$M/photo.mp4" --out "$M/pasted.mp4"
  bash experiments/frame_strip.sh "$M/heldout_strip.png" 25 10 "$CLIP/frames" "$M/semantic_decode" "$M/shared/frames"
}

needs() {
  case $1 in
    data) echo "PHOTO<" ;;
    dae|encode) echo "DATA<data" ;;
    s2l|bundle) echo "DATA<data LATENTS<encode" ;;
    measure) echo "DATA<data SPEAKER<bundle PHOTO<" ;;
  esac
}
what() {
  case $1 in
    PHOTO) echo "the portrait: astronaut.png from scikit-image's wheel (skimage/data)" ;;
    DATA) echo "the photo speaker's speaker_00 (the data stage makes it)" ;;
    LATENTS) echo "the DAE's latents.h5 of DATA (the encode stage makes it)" ;;
    SPEAKER) echo "the photo speaker's bundle (the bundle stage makes it)" ;;
  esac
}

parse_stages "data dae encode s2l bundle measure" -- "$@"
for s in $stages; do echo "== $s"; "stage_$s"; done
