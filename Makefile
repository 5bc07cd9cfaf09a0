# TalkingFace — the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libsndfile1-dev libsoxr-dev libhdf5-dev libpng-dev \
                libespeak-ng-dev espeak-ng ffmpeg pkg-config python3-venv \
                libdlib-dev libdlib-data libopenmpi-dev openmpi-bin
SWIFT ?= swift
# OpenBLAS for the test binaries: one thread (the engine spreads work over the cores itself)
# and the Zen kernel, which OpenBLAS 0.3.21 does not choose on an AMD Zen 4 by itself. The
# `talkingface` and Bench binaries need neither export: they set both themselves, the kernel
# chosen for the CPU (Sources/Autodiff/BLASEnvironment.swift); an exported value still wins.
export OPENBLAS_CORETYPE ?= Zen
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: deps build test fuzz fuzz-quick bench demo notebooks speaker clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release

# Tests build in release mode with -enable-testing (some reach kernels' internals, as
# llm.c's tests do) in their own build folder, so they never force a rebuild of the tools.
TEST_BUILD := -c release -Xswiftc -enable-testing --scratch-path .build/testing

test: deps
	python3 Scripts/check_dependencies.py
	$(SWIFT) build $(TEST_BUILD) --build-tests
	SWIFT=$(SWIFT) bash Scripts/test-summary.sh $(TEST_BUILD) --skip-build --disable-swift-testing
	python3 Tests/Fuzz/fuzz.py --quick --bin "$$($(SWIFT) build $(TEST_BUILD) --show-bin-path)/talkingface"

# `make fuzz`: bad inputs of every kind against every command (Tests/Fuzz/README.md), run
# against the release CLI, or TALKINGFACE_BIN when set. `make fuzz-quick`: a stratified sample,
# which `make test` also runs (against the test build's CLI).
FUZZ_ARGS ?=

fuzz: deps
	@if [ -z "$$TALKINGFACE_BIN" ]; then $(SWIFT) build -c release --product talkingface; fi
	python3 Tests/Fuzz/fuzz.py $(FUZZ_ARGS)

fuzz-quick: deps
	@if [ -z "$$TALKINGFACE_BIN" ]; then $(SWIFT) build -c release --product talkingface; fi
	python3 Tests/Fuzz/fuzz.py --quick $(FUZZ_ARGS)

bench: deps
	bash Benchmarks/run.sh

# `make demo`: speech → talking-face video with the shipped speaker (see Examples/README.md).
DEMO_SPEAKER ?= Weights/default

demo: deps
	@if [ ! -f "$(DEMO_SPEAKER)/meta.json" ]; then \
	  echo "make demo: no trained speaker in $(DEMO_SPEAKER)/ (a bundle: dae.h5, s2l.h5, reference.h5, meta.json)."; \
	  echo "Weights/README.md lists the shipped bundles; pass one, or your own:"; \
	  echo "  make demo DEMO_SPEAKER=path/to/bundle"; \
	  exit 1; \
	fi
	$(SWIFT) build -c release
	@mkdir -p demo
	espeak-ng -v en-us -s 160 -p 45 -w demo/speech.wav -f Examples/demo_speech.txt
	"$$($(SWIFT) build -c release --show-bin-path)/talkingface" generate --audio demo/speech.wav \
	  --speaker "$(DEMO_SPEAKER)" --out demo/out.mp4
	@if command -v ffprobe >/dev/null; then \
	  ffprobe -v error -show_entries stream=codec_type,duration -of compact=p=0:nk=1 demo/out.mp4; fi

# `make notebooks`: executes Notebooks/*.ipynb (see Notebooks/README.md). MODE=smoke trains
# tiny models from scratch in about a minute; MODE=full uses Weights/default. In place by
# default; NOTEBOOK_OUT=DIR writes the executed copies to DIR instead (CI).
MODE ?= smoke

notebooks: deps
	SWIFT=$(SWIFT) bash Notebooks/run.sh $(MODE)

# `make speaker RECIPE=Weights/default/recipe.json OUT=runs/default`: a speaker bundle made
# again from the recipe.json it ships with (Scripts/reproduce_bundle.py: synth, the DAE stages,
# encode, s2l train, bundle; rerun to continue). ARGS="--dry-run" prints the commands;
# ARGS="--scale 0.001 --minutes 0.2 --speakers 1" is a smoke run of a few minutes.
speaker: deps
	@if [ -z "$(RECIPE)" ] || [ -z "$(OUT)" ]; then \
	  echo "usage: make speaker RECIPE=Weights/default/recipe.json OUT=runs/default [ARGS=--dry-run]"; exit 1; fi
	$(SWIFT) build -c release
	python3 Scripts/reproduce_bundle.py "$(RECIPE)" --out "$(OUT)" \
	  --tool "$$($(SWIFT) build -c release --show-bin-path)/talkingface" $(ARGS)

clean:
	rm -rf .build
