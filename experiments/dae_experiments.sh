#!/usr/bin/env bash
# DAE recipes tried on the way to the z_sem-only decode bars, as the exact commands that were
# run, and how each was measured. Stages (default: all, in order):
#   refine   the shipped DAE's round trip with 0, 1 and 2 fixed-point refinements per
#            inversion move, and its z_sem-only decode from a plain and a refined reference x_T
#   vpred    a v-prediction cpu64 DAE from scratch: 1,812 steps, then z_sem's spread widened
#            1000× (the encoder's output had collapsed to a spread of 1.6e-4) and 4,500 more
#            steps from those raw weights, then the continuation to 7,512 (stopped there)
#   motion   the v-model's run stopped at 7,512 steps, then continued from those raw weights with
#            the loss weighted towards the pixels that move (motion_weight 50): 1,247 steps with
#            the weight proportional to the motion (the first form, commit 678a538; the eyes began
#            to follow z_sem, the mouth not), then with the weight clipped at the 95th percentile
#   graft    the shipped ε model's semantic encoder (its z_sem holds the mouth opening at held-out
#            R² 0.98, the v-model's at 0.53–0.83) grafted onto the motion-weighted v-model at step
#            1,000 (experiments/graft_encoder.py), then trained on with the motion weight
#   scratch  a v-model from scratch with the motion weight from step 0 (stopped at 1,038), then its
#            step-1,000 checkpoint with z_sem widened 1000× (as vpred's part 2; stopped at 4,226)
#   dark     scratch's model on the first near-black mouth interior: 2,000 steps, then 1,500 more
#            with half of each batch at t ≥ 500 (high_noise_share 0.5)
#   look     that model on today's look (near-black interior, openings a pixel or more): the
#            DAE of Weights/default
#   fresh    a v-model from scratch on today's look alone, scratch's settings plus dark's high-noise
#            share, stopped at 2 hours of wall time: the former Weights/dae_cpu64 (not in the default list:
#            run it by name; it ran with the binary of commit be9cb90, before F(4×4) Winograd)
#   fresh_measure  its figures, on the float16 copy
#   measure  reconstruct + shared-x_T and Gaussian-x_T decodes of held-out frames, for MODEL
#
#   bash experiments/dae_experiments.sh vpred
#   MODEL=runs/dae_v2/dae.h5 bash experiments/dae_experiments.sh measure
#   bash experiments/dae_experiments.sh --help
#
# Each dae train call takes its research settings (prediction, motion weight, …) from a recipe in
# experiments/recipes/ (talkingface dae train --help lists the fields).
#
# Paths, as environment variables (relative ones from the caller's folder; the defaults from the
# repository root, where the script runs):
#   RUN         the training runs' folder (default runs, which git ignores)
#   OUT         the measurements and weight snapshots (default RUN/exp)
#   DATA        today's speaker_00 data set (default RUN/data/synth/speaker_00, which
#               experiments/default_speaker.sh data makes): look, fresh, fresh_measure, measure
#   CLIP        its held-out clip, frames 5400–5649 (talkingface clip … --frames 5400:5650;
#               default RUN/data/heldout_00_10s): fresh_measure, measure
#   LIGHT       speaker_00 of the light look (default RUN/data/synth_light/speaker_00): refine,
#               vpred, motion, graft, scratch
#   LIGHT_CLIP  its held-out clip, as CLIP (default RUN/data/heldout_00_10s_light): refine
#   DARK        speaker_00 of the first dark interior (default RUN/data/synth_dark/speaker_00): dark
#   MODEL       the dae.h5 or run folder to measure (measure; TAG names its outputs, default the
#               file's name; REFINEMENTS, default 2)
#   TF          the talkingface binary (default .build/release/talkingface)
# The stages before `look` ran on the synthetic speaker as earlier commits drew it, so their data
# comes from those commits' binaries (same command: synth --speakers 6 --minutes 4 --size 64
# --seed 1; `dark` used --speakers 1, whose speaker_00 is the same):
#   LIGHT  tag look-light: refine, vpred, motion, graft, scratch
#   DARK   tag look-dark-interior: dark
# To measure the light-look models: DATA=$LIGHT CLIP=$LIGHT_CLIP.
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
from_caller TF RUN OUT DATA CLIP LIGHT LIGHT_CLIP DARK MODEL
cd "$here/.."
TF=${TF:-.build/release/talkingface}
RUN=${RUN:-runs}
DATA=${DATA:-$RUN/data/synth/speaker_00}
LIGHT=${LIGHT:-$RUN/data/synth_light/speaker_00}
DARK=${DARK:-$RUN/data/synth_dark/speaker_00}
CLIP=${CLIP:-$RUN/data/heldout_00_10s}
LIGHT_CLIP=${LIGHT_CLIP:-$RUN/data/heldout_00_10s_light}
OUT=${OUT:-$RUN/exp}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
R=experiments/recipes
# The ε speaker shipped in Weights/default until tag speaker-epsilon: refine and graft use its
# DAE, taken out of git once (through a temporary file, so a failed read leaves nothing behind).
EPSILON=$OUT/speaker_epsilon_dae.h5
epsilon_model() {
  [ -f "$EPSILON" ] && return
  git show speaker-epsilon:Weights/default/dae.h5 > "$EPSILON.partial" && mv "$EPSILON.partial" "$EPSILON"
}

# MODEL TAG REFINEMENTS [REFERENCE, default 783]: 64 frames through both codes, then 250 frames
# from z_sem with the reference frame's x_T and with one Gaussian x_T, each against the truth.
measure_model() {
  local model=$1 tag=$2 k=$3 ref=${4:-783}
  "$TF" dae reconstruct --model "$model" --data "$DATA" --frames 5400:5464 --reference-frame "$ref" \
    --refinements "$k" --out "$OUT/$tag.rec"
  "$TF" dae encode --model "$model" --data "$DATA" --frames 5400:5650 --reference-frame "$ref" \
    --refinements "$k" --out "$OUT/$tag.z.h5"
  for noise in reference seed; do
    rm -rf "$OUT/$tag.$noise"
    "$TF" dae decode --model "$model" --latents "$OUT/$tag.z.h5" --noise "$noise" --out "$OUT/$tag.$noise"
    "$TF" eval --pred "$OUT/$tag.$noise" --truth "$CLIP" --json "$OUT/$tag.$noise.json"
  done
}

stage_refine() {
  epsilon_model
  for k in 0 1 2; do DATA=$LIGHT CLIP=$LIGHT_CLIP measure_model "$EPSILON" "shipped_k$k" "$k"; done
}

stage_vpred() {
  # Part 1 was started with --steps 6000 and stopped with Ctrl-C at 1,812; the warm-up is the
  # same 200 steps and the rate constant after it, so this is the same schedule.
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_warmup200.json" --steps 1812 \
    --checkpoint-every 250 --seed 1 --out "$RUN/dae_v"
  # Part 2 starts from part 1's raw weights (checkpoint.h5), not its EMA.
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_gain1000.json" \
    --initial "$RUN/dae_v/checkpoint.h5" --steps 4500 --checkpoint-every 250 --seed 2 --out "$RUN/dae_v2"
  cp "$RUN/dae_v2/dae.h5" "$OUT/v2_4500.h5"
  "$TF" dae train --out "$RUN/dae_v2" --resume --steps 7512
}

stage_motion() {
  # vpred's last part was run with --steps 12000 and stopped with Ctrl-C at step 7,512 (a
  # constant rate after warm-up, so the same schedule); the motion-weighted run starts from
  # those raw weights.
  cp "$RUN/dae_v2/checkpoint.h5" "$OUT/v2_ck7500.h5"
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_warmup200.json" \
    --initial "$OUT/v2_ck7500.h5" --steps 1247 --checkpoint-every 250 --seed 3 --out "$RUN/dae_vm"  # built at 678a538
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_warmup200.json" \
    --initial "$RUN/dae_vm/checkpoint.h5" --steps 1000 --checkpoint-every 250 --seed 4 --out "$RUN/dae_vm2"
}

stage_graft() {
  # Both motion runs were started with --steps 3000/4000 and stopped with Ctrl-C (at 1,247 and
  # 1,073); the rate is constant after the 200-step warm-up, so the stages above give the same
  # weights. vm2's checkpoint at step 1,000 is the base.
  epsilon_model
  local base=$OUT/vm2_ck1000.h5
  cp "$RUN/dae_vm2/checkpoint.h5" "$base"
  "$TF" dae encode --model "$EPSILON" --data "$LIGHT" --frames 0:5375 --refinements 0 --out "$OUT/shipped_0.z.h5"
  "$TF" dae encode --model "$base" --data "$LIGHT" --frames 0:5375 --refinements 0 --out "$OUT/vm2_ck1000_0.z.h5"
  python3 experiments/graft_encoder.py --donor "$EPSILON" --donor-latents "$OUT/shipped_0.z.h5" \
    --base "$base" --base-latents "$OUT/vm2_ck1000_0.z.h5" --out "$OUT/hybrid.h5"
  # Trained on at one rate for all (lr 1e-4, then 2e-5) the UNet lost the pose within 500 steps
  # (both stopped with Ctrl-C, at 928 and 653 steps); with the encoder at 1 % of the rate:
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_warmup200.json" \
    --initial "$OUT/hybrid.h5" --steps 928 --checkpoint-every 250 --seed 5 --out "$RUN/dae_hy"
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_warmup200.json" \
    --initial "$OUT/hybrid.h5" --lr 2e-5 --steps 653 --checkpoint-every 250 --seed 6 --out "$RUN/dae_hy2"
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_encoder_slow.json" \
    --initial "$OUT/hybrid.h5" --steps 6000 --checkpoint-every 250 --seed 7 --out "$RUN/dae_hy3"
}

stage_scratch() {
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_warmup200.json" --steps 1000 \
    --checkpoint-every 250 --seed 8 --out "$RUN/dae_vms"
  cp "$RUN/dae_vms/checkpoint.h5" "$OUT/vms_ck1000.h5"
  # Started with --steps 6000 and stopped with Ctrl-C at 4,226 (a constant rate after warm-up,
  # so the same schedule).
  "$TF" dae train --data "$LIGHT" --preset cpu64 --recipe "$R/v_motion_gain1000.json" \
    --initial "$OUT/vms_ck1000.h5" --steps 4226 --checkpoint-every 250 --seed 9 --out "$RUN/dae_vms2"
}

stage_dark() {
  # scratch's EMA weights (dae.h5) start this stage.
  cp "$RUN/dae_vms2/dae.h5" "$OUT/vms2_last.h5"
  "$TF" dae train --data "$DARK" --preset cpu64 --recipe "$R/v_motion.json" --initial "$OUT/vms2_last.h5" \
    --steps 2000 --checkpoint-every 250 --seed 14 --out "$RUN/dae_vdark"
  cp "$RUN/dae_vdark/dae.h5" "$OUT/vdark_2000.h5"
  "$TF" dae train --data "$DARK" --preset cpu64 --recipe "$R/v_motion_high_noise.json" \
    --initial "$OUT/vdark_2000.h5" --steps 1500 --checkpoint-every 250 --seed 15 --out "$RUN/dae_vdark_hn"
}

stage_look() {
  # Run as 2,000 steps, then resumed with a larger --steps (the rate is constant after warm-up).
  "$TF" dae train --data "$DATA" --preset cpu64 --recipe "$R/v_motion_high_noise.json" \
    --initial "$RUN/dae_vdark_hn/dae.h5" --steps 2000 --checkpoint-every 250 --seed 16 --out "$RUN/dae_look"
  "$TF" dae train --out "$RUN/dae_look" --resume --steps "${LOOK_STEPS:-5000}"
}

stage_fresh() {
  # A v-model from scratch on today's look alone, with the settings the stages above found, in
  # 2 hours of wall time all told (the DAE's time budget): scratch's two parts (motion weight from
  # step 0; z_sem widened 1000× at step 1,000), the second with high_noise_share 0.5 from its
  # start, and stopped by SIGINT (which checkpoints) when the 2 hours are up (timeout's exit
  # status 124; any other failure stops the script). It ran with
  # OPENBLAS_NUM_THREADS=2, kept here as run; it changes nothing: Parallel sets OpenBLAS to one
  # thread before its first product and spreads the work over both cores itself.
  local start left
  start=$(date +%s)
  OPENBLAS_NUM_THREADS=2 "$TF" dae train --data "$DATA" --preset cpu64 --recipe "$R/v_motion_warmup200.json" \
    --steps 1000 --checkpoint-every 250 --seed 21 --out "$RUN/dae_s2h_a"
  cp "$RUN/dae_s2h_a/checkpoint.h5" "$OUT/s2h_a_ck1000.h5"
  left=$(( start + 7200 - $(date +%s) ))
  OPENBLAS_NUM_THREADS=2 timeout -s INT "$left" "$TF" dae train --data "$DATA" --preset cpu64 \
    --recipe "$R/v_motion_gain1000_high_noise.json" --initial "$OUT/s2h_a_ck1000.h5" \
    --steps 20000 --checkpoint-every 250 --seed 22 --out "$RUN/dae_s2h_b" || [ $? -eq 124 ]
}

stage_fresh_measure() {
  # fresh's figures in docs/results.md §3, on its float16 copy (the former Weights/dae_cpu64): `bundle`
  # converts the weights and picks the most typical training frame (2287) for the shared x_T
  # (the s2l model it packs, the default speaker's, plays no part here).
  local M=$OUT/fresh ref
  mkdir -p "$M"
  "$TF" dae encode --model "$RUN/dae_s2h_b/dae.h5" --data "$DATA" --out "$M/latents.h5"
  "$TF" bundle --dae "$RUN/dae_s2h_b/dae.h5" --s2l Weights/default/s2l.h5 --data "$DATA" --latents "$M/latents.h5" --out "$M/bundle"
  ref=$(python3 -c "import json; print(json.load(open('$M/bundle/meta.json'))['made_by']['reference_frame'])")
  measure_model "$M/bundle/dae.h5" fresh 2 "$ref"   # the README's rows: fresh.rec, fresh.reference.json
}

stage_measure() {
  measure_model "$MODEL" "${TAG:-$(basename "$MODEL" .h5)}" "${REFINEMENTS:-2}"
}

# What each stage needs (a trailing < on what it reads), and what to pass as each.
needs() {
  case $1 in
    refine) echo "LIGHT< LIGHT_CLIP< OUT" ;;
    vpred|motion|graft|scratch) echo "LIGHT< RUN OUT" ;;
    dark) echo "DARK< RUN OUT" ;;
    look) echo "DATA< RUN" ;;
    fresh) echo "DATA< RUN OUT" ;;
    fresh_measure) echo "DATA< CLIP< RUN OUT" ;;
    measure) echo "MODEL< DATA< CLIP< OUT" ;;
  esac
}
what() {
  case $1 in
    DATA) echo "today's speaker_00 data set (experiments/default_speaker.sh data makes it)" ;;
    CLIP) echo "its held-out clip: talkingface clip --data DATA --frames 5400:5650 --out CLIP" ;;
    LIGHT) echo "speaker_00 of the light look: talkingface synth --speakers 6 --minutes 4 --size 64 --seed 1, built at tag look-light" ;;
    LIGHT_CLIP) echo "its held-out clip: talkingface clip --data LIGHT --frames 5400:5650 --out LIGHT_CLIP" ;;
    DARK) echo "speaker_00 of the first dark interior: talkingface synth --speakers 1 --minutes 4 --size 64 --seed 1, built at tag look-dark-interior" ;;
    MODEL) echo "the dae.h5 or run folder to measure" ;;
    *) echo "a folder" ;;
  esac
}

parse_stages "refine vpred motion graft scratch dark look" -- "$@"
mkdir -p "$OUT"
for s in $stages; do echo "== $s"; "stage_$s"; done
