#!/usr/bin/env bash
# How Weights/default was made and measured: every command, in order, with its seed.
# Stages: data | dae | encode | s2l | bundle | measure (default: all, in order).
#   bash experiments/default_speaker.sh measure
#   bash experiments/default_speaker.sh --help
# Each stage reruns cleanly; the training stages resume an interrupted run.
#
# Paths, as environment variables (relative ones from the caller's folder; the defaults from the
# repository root, where the script runs):
#   RUN        the training runs and measurements (default runs, which git ignores)
#   DATA       the synthetic data set, speaker_00 … speaker_05 (default RUN/data/synth; made by
#              the data stage)
#   SPEAKER    the speaker bundle the bundle stage writes and measure reads (default Weights/default)
#   DAE_MODEL  the DAE the later stages read (default RUN/dae_look/dae.h5; override to use a
#              snapshot of a run that has moved on)
#   LATENTS    its latents (default RUN/dae_look/latents.h5)
#   CLIP       the held-out clip, frames 5400–5649 of speaker_00 (default RUN/data/heldout_00_10s;
#              made by measure)
#   POSE_CLIP  another speaker's head motion, frames 1000–1249 of speaker_01 (default
#              RUN/data/pose_01_10s; made by measure)
#   TF         the talkingface binary (default .build/release/talkingface)
# The dae stage runs experiments/dae_experiments.sh, which also reads LIGHT and DARK (see its
# --help); LOOK_STEPS, S2L_STEPS and STEPS set the steps of the last DAE stretch, of the s2l
# model and of sampling.
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
from_caller TF RUN DATA SPEAKER DAE_MODEL LATENTS CLIP POSE_CLIP LIGHT DARK
cd "$here/.."
TF=${TF:-.build/release/talkingface}
RUN=${RUN:-runs}
DATA=${DATA:-$RUN/data/synth}
SPEAKER=${SPEAKER:-Weights/default}
LOOK_STEPS=${LOOK_STEPS:-5000}
S2L_STEPS=${S2L_STEPS:-3000}
STEPS=${STEPS:-20}
# the models the later stages read (override to use a snapshot of a run that has moved on)
DAE_MODEL=${DAE_MODEL:-$RUN/dae_look/dae.h5}
LATENTS=${LATENTS:-$RUN/dae_look/latents.h5}
CLIP=${CLIP:-$RUN/data/heldout_00_10s}
POSE_CLIP=${POSE_CLIP:-$RUN/data/pose_01_10s}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}

stage_data() {
  # Six 4-minute synthetic speakers at 64×64; the default speaker is speaker_00.
  [ -d "$DATA/speaker_00" ] || "$TF" synth --out "$DATA" --speakers 6 --minutes 4 --size 64 --seed 1
}

stage_dae() {
  # The v-prediction cpu64 DAE on speaker_00's first 90 % (the last 10 % is held out, after a
  # 1 s gap), trained in three stretches as the synthetic speaker's look changed (see
  # experiments/dae_experiments.sh, which holds each command and the data each stretch saw):
  # scratch (light look, 5,226 steps), dark (first near-black interior, 3,500), look (today's).
  TF=$TF RUN=$RUN DATA=$DATA/speaker_00 LOOK_STEPS=$LOOK_STEPS bash experiments/dae_experiments.sh scratch dark look
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
    --made-by "script=experiments/default_speaker.sh" --made-by "data=talkingface synth --speakers 6 --minutes 4 --size 64 --seed 1 (speaker_00)" \
    --made-by "dae=experiments/dae_experiments.sh scratch dark look (v-prediction, motion weight 50; seeds 8, 9, 14, 15, 16; look to step $LOOK_STEPS)" \
    --made-by "s2l=s2l train --preset cpu --steps $S2L_STEPS --seed 1" --out "$SPEAKER"
}

stage_measure() {
  local M=$RUN/measure
  rm -rf "$M" && mkdir -p "$M"
  # Held-out data: the first 10 s of speaker_00's held-out end (frames 5400–5649), and a
  # 10 s head-motion track from another speaker to override the pose with.
  [ -d "$CLIP" ] || "$TF" clip --data "$DATA/speaker_00" --frames 5400:5650 --out "$CLIP"
  [ -d "$POSE_CLIP" ] || "$TF" clip --data "$DATA/speaker_01" --frames 1000:1250 --out "$POSE_CLIP"
  local ref
  ref=$(python3 -c "import json; print(json.load(open('$SPEAKER/meta.json'))['made_by']['reference_frame'])")

  # DAE: both reconstructions of 64 held-out frames, and the z_sem-only decode of 250.
  "$TF" dae reconstruct --model "$DAE_MODEL" --data "$DATA/speaker_00" --frames 5400:5464 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/reconstruct"
  "$TF" dae encode --model "$DAE_MODEL" --data "$DATA/speaker_00" --frames 5400:5650 \
    --reference-frame "$ref" --steps "$STEPS" --out "$M/heldout_latents.h5"
  "$TF" dae decode --model "$DAE_MODEL" --latents "$M/heldout_latents.h5" --noise reference \
    --steps "$STEPS" --out "$M/semantic_decode"
  "$TF" eval --pred "$M/semantic_decode" --truth "$CLIP" --json "$M/semantic_decode.json"

  # Speech-to-latent on the held-out end is in $RUN/s2l_cpu/eval.json (written by s2l train).
  # The product: held-out speech → video with the shared x_T, with independent noise,
  # and with another speaker's head motion as the pose.
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$SPEAKER" --out "$M/shared.mp4"
  "$TF" eval --pred "$M/shared" --truth "$CLIP" --json "$M/shared.json"
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$SPEAKER" --noise independent \
    --out "$M/independent.mp4"
  "$TF" eval --pred "$M/independent" --truth "$CLIP" --json "$M/independent.json"
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$SPEAKER" \
    --pose-from "$POSE_CLIP" --out "$M/posed.mp4"
  "$TF" eval --pred "$M/posed" --truth "$POSE_CLIP" --json "$M/posed.json"
  # the README's held-out strip: frames 0, 25, …, 225 of the truth, the z_sem-only decode, the
  # generated video, the pose-overridden one and the pose's source
  bash experiments/frame_strip.sh docs/default_speaker_heldout.png 25 10 "$CLIP/frames" \
    "$M/semantic_decode" "$M/shared/frames" "$M/posed/frames" "$POSE_CLIP/frames"
}

# What each stage reads (VAR<MAKER: made by the stage MAKER), and what to pass as each; the dae
# stage's own inputs (LIGHT, DARK) are checked by experiments/dae_experiments.sh.
needs() {
  case $1 in
    dae) echo "DATA<data" ;;
    encode) echo "DAE_MODEL<dae DATA<data" ;;
    s2l) echo "LATENTS<encode DATA<data" ;;
    bundle) echo "DAE_MODEL<dae LATENTS<encode DATA<data" ;;
    measure) echo "DAE_MODEL<dae DATA<data SPEAKER<bundle" ;;
  esac
}
what() {
  case $1 in
    DATA) echo "the synthetic data set, speaker_00 … speaker_05 (the data stage makes it)" ;;
    DAE_MODEL) echo "the DAE's dae.h5 (the dae stage makes it)" ;;
    LATENTS) echo "the DAE's latents.h5 of speaker_00 (the encode stage makes it)" ;;
    SPEAKER) echo "the speaker bundle (the bundle stage makes it)" ;;
  esac
}

parse_stages "data dae encode s2l bundle measure" -- "$@"
for s in $stages; do echo "== $s"; "stage_$s"; done
