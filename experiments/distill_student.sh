#!/usr/bin/env bash
# The distilled one-step decoder of the default speaker (results §2.11): `talkingface distill`
# on Weights/default, then the held-out measures against the 20-step DDIM teacher.
# Stages: data | distill | measure (default: all, in order).
#   bash experiments/distill_student.sh measure
#   bash experiments/distill_student.sh --help
#
# Paths, as environment variables (relative ones from the caller's folder; the defaults from the
# repository root, where the script runs):
#   RUN      the run folder and measurements (default runs, which git ignores)
#   DATA     the synthetic data set holding speaker_00 (default RUN/data; made by the data stage:
#            speaker_00 of `synth --speakers 6 --minutes 4 --size 64 --seed 1` is the same with
#            --speakers 1)
#   SPEAKER  the bundle to distil (default Weights/default)
#   STUDENT  the distilled bundle distill writes and measure reads (default RUN/default_student)
#   CLIP     the held-out clip, frames 5400–5649 of speaker_00 (default RUN/data/heldout_00_10s;
#            made by measure)
#   RECIPE   the distillation recipe (default experiments/recipes/distill_default.json)
#   TF       the talkingface binary (default .build/release/talkingface)
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
from_caller TF RUN DATA SPEAKER STUDENT CLIP RECIPE
cd "$here/.."
TF=${TF:-.build/release/talkingface}
RUN=${RUN:-runs}
DATA=${DATA:-$RUN/data}
SPEAKER=${SPEAKER:-Weights/default}
STUDENT=${STUDENT:-$RUN/default_student}
CLIP=${CLIP:-$RUN/data/heldout_00_10s}
RECIPE=${RECIPE:-experiments/recipes/distill_default.json}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}

stage_data() {
  [ -d "$DATA/speaker_00" ] || "$TF" synth --out "$DATA" --speakers 1 --minutes 4 --size 64 --seed 1
}

stage_distill() {
  # Teacher: DDIM over 4 timesteps from x_T's (950, 713, 475, 238); rounds 4 → 2 → 1 of 400
  # steps at batch 8 on 336 training frames' z_sem (every 16th of frames 0–5374) and the
  # speech model's z_sem for the same frames. An interrupted run continues with --resume.
  # The run in results §2.11 was cut to 150 steps a round on a saturated machine: stopped at
  # step 12 of round 1 and continued with `--resume --steps 150`.
  if [ -f "$STUDENT.run/distill.json" ]; then
    "$TF" distill --out "$STUDENT" --run "$STUDENT.run" --resume
  else
    "$TF" distill --speaker "$SPEAKER" --data "$DATA/speaker_00" --recipe "$RECIPE" --out "$STUDENT" --run "$STUDENT.run"
  fi
}

stage_measure() {
  local M=$RUN/distill_measure
  rm -rf "$M" && mkdir -p "$M"
  [ -d "$CLIP" ] || "$TF" clip --data "$DATA/speaker_00" --frames 5400:5650 --out "$CLIP"
  # 10 s of held-out speech → video, by the 20-step DDIM teacher and by the student; the
  # timing tables are the end-to-end times (generate prints them).
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$STUDENT" --teacher --out "$M/teacher.mp4" | tee "$M/teacher_time.txt"
  "$TF" generate --audio "$CLIP/audio.wav" --speaker "$STUDENT" --out "$M/student.mp4" | tee "$M/student_time.txt"
  # against the truth (mouth r, jitter), and the student against the teacher (PSNR)
  "$TF" eval --pred "$M/teacher" --truth "$CLIP" --json "$M/teacher.json"
  "$TF" eval --pred "$M/student" --truth "$CLIP" --json "$M/student.json"
  "$TF" eval --pred "$M/student" --truth "$M/teacher" --json "$M/student_vs_teacher.json"
  # the strip: frames 0, 25, …, 225 of the truth, the teacher and the student
  bash experiments/frame_strip.sh docs/distilled_student_heldout.png 25 10 "$CLIP/frames" "$M/teacher/frames" "$M/student/frames"
}

needs() {
  case $1 in
    distill) echo "DATA<data SPEAKER< RECIPE<" ;;
    measure) echo "DATA<data STUDENT<distill" ;;
  esac
}
what() {
  case $1 in
    DATA) echo "the folder holding speaker_00 (the data stage makes it)" ;;
    SPEAKER) echo "the speaker bundle to distil" ;;
    STUDENT) echo "the distilled bundle (the distill stage makes it)" ;;
    RECIPE) echo "the distillation recipe" ;;
  esac
}

parse_stages "data distill measure" -- "$@"
for s in $stages; do echo "== $s"; "stage_$s"; done
