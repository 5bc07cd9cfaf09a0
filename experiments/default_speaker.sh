#!/usr/bin/env bash
# How Weights/default was made and measured: every command, in order, with its seed.
# Stages: data | dae | encode | s2l | bundle | measure (default: all, in order).
#   WORK=/work  bash Scripts/default_speaker.sh measure
# Each stage reruns cleanly; the training stages resume an interrupted run.
set -euo pipefail
cd "$(dirname "$0")/.."
TF=${TF:-.build/release/talkingface}
WORK=${WORK:-/work}
DATA=$WORK/data/synth
RUN=${RUN:-$WORK/runs}
SPEAKER=${SPEAKER:-Weights/default}
LOOK_STEPS=${LOOK_STEPS:-5000}
S2L_STEPS=${S2L_STEPS:-3000}
STEPS=${STEPS:-20}
# the models the later stages read (override to use a snapshot of a run that has moved on)
DAE_MODEL=${DAE_MODEL:-$WORK/runs/dae_look/dae.h5}
LATENTS=${LATENTS:-$WORK/runs/dae_look/latents.h5}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}

stage_data() {
  # Six 4-minute synthetic speakers at 64×64; the default speaker is speaker_00.
  [ -d "$DATA/speaker_00" ] || "$TF" synth --out "$DATA" --speakers 6 --minutes 4 --size 64 --seed 1
}

stage_dae() {
  # The v-prediction cpu64 DAE on speaker_00's first 90 % (the last 10 % is held out, after a
  # 1 s gap), trained in three stretches as the synthetic speaker's look changed (see
  # Scripts/dae_experiments.sh, which holds each command and the data each stretch saw):
  # scratch (light look, 5,226 steps), dark (first near-black interior, 3,500), look (today's).
  WORK=$WORK LOOK_STEPS=$LOOK_STEPS bash Scripts/dae_experiments.sh scratch dark look
}

stage_encode() {
  "$TF" dae encode --model "$DAE_MODEL" --data "$DATA/speaker_00" --out "$LATENTS"
}

stage_s2l() {
  local resume=()
  [ -f "$RUN/s2l_cpu/s2l.h5" ] && resume=(--resume)
  "$TF" s2l train --data "$DATA/speaker_00" --latents "$LATENTS" --out "$RUN/s2l_cpu" \
    --preset cpu --steps "$S2L_STEPS" --checkpoint-every 100 --seed 1 "${resume[@]}"
}

stage_bundle() {
  "$TF" bundle --dae "$DAE_MODEL" --s2l "$RUN/s2l_cpu/s2l.h5" --data "$DATA/speaker_00" \
    --latents "$LATENTS" --steps "$STEPS" --name "synthetic speaker 00" \
    --made-by "script=Scripts/default_speaker.sh" --made-by "data=talkingface synth --speakers 6 --minutes 4 --size 64 --seed 1 (speaker_00)" \
    --made-by "dae=Scripts/dae_experiments.sh scratch dark look (v-prediction, motion weight 50; seeds 8, 9, 14, 15, 16; look to step $LOOK_STEPS)" \
    --made-by "s2l=s2l train --preset cpu --steps $S2L_STEPS --seed 1" --out "$SPEAKER"
}

stage_measure() {
  local M=$RUN/measure
  rm -rf "$M" && mkdir -p "$M"
  # Held-out data: the first 10 s of speaker_00's held-out end (frames 5400–5649), and a
  # 10 s head-motion track from another speaker to override the pose with.
  [ -d "$WORK/data/heldout_00_10s" ] || "$TF" clip --data "$DATA/speaker_00" --frames 5400:5650 --out "$WORK/data/heldout_00_10s"
  [ -d "$WORK/data/pose_01_10s" ] || "$TF" clip --data "$DATA/speaker_01" --frames 1000:1250 --out "$WORK/data/pose_01_10s"
  local ref
  ref=$(python3 -c "import json; print(json.load(open('$SPEAKER/meta.json'))['made_by']['reference_frame'])")

  # DAE (#4): both reconstructions of 64 held-out frames, and the z_sem-only decode of 250.
  "$TF" dae reconstruct --model "$DAE_MODEL" --data "$DATA/speaker_00" --frames 5400:5464 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/reconstruct"
  "$TF" dae encode --model "$DAE_MODEL" --data "$DATA/speaker_00" --frames 5400:5650 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/heldout_latents.h5"
  "$TF" dae decode --model "$DAE_MODEL" --latents "$M/heldout_latents.h5" --noise reference \
    --steps "$STEPS" --out "$M/semantic_decode"
  "$TF" eval --pred "$M/semantic_decode" --truth "$WORK/data/heldout_00_10s" --json "$M/semantic_decode.json"

  # Speech-to-latent (#5) on the held-out end is in $RUN/s2l_cpu/eval.json (written by s2l train).
  # The product (#6): held-out speech → video with the shared x_T, with independent noise,
  # and with another speaker's head motion as the pose.
  "$TF" generate --audio "$WORK/data/heldout_00_10s/audio.wav" --speaker "$SPEAKER" --out "$M/shared.mp4"
  "$TF" eval --pred "$M/shared" --truth "$WORK/data/heldout_00_10s" --json "$M/shared.json"
  "$TF" generate --audio "$WORK/data/heldout_00_10s/audio.wav" --speaker "$SPEAKER" --noise independent \
    --out "$M/independent.mp4"
  "$TF" eval --pred "$M/independent" --truth "$WORK/data/heldout_00_10s" --json "$M/independent.json"
  "$TF" generate --audio "$WORK/data/heldout_00_10s/audio.wav" --speaker "$SPEAKER" \
    --pose-from "$WORK/data/pose_01_10s" --out "$M/posed.mp4"
  "$TF" eval --pred "$M/posed" --truth "$WORK/data/pose_01_10s" --json "$M/posed.json"
  # the README's held-out strip: frames 0, 25, …, 225 of the truth, the z_sem-only decode, the
  # generated video, the pose-overridden one and the pose's source
  bash Scripts/frame_strip.sh docs/default_speaker_heldout.png 25 10 "$WORK/data/heldout_00_10s/frames" \
    "$M/semantic_decode" "$M/shared/frames" "$M/posed/frames" "$WORK/data/pose_01_10s/frames"
}

stages=${*:-data dae encode s2l bundle measure}
for s in $stages; do echo "== $s"; "stage_$s"; done
