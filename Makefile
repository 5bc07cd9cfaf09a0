# TalkingFace — the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libsndfile1-dev libsoxr-dev libhdf5-dev libpng-dev \
                libespeak-ng-dev espeak-ng ffmpeg pkg-config
SWIFT ?= swift
# OpenBLAS 0.3.21 calls this CPU "Cooperlake" and picks a kernel that is 20-35 % slower
# on our conv-shaped GEMMs; the Haswell/Zen kernel is the fast one (DESIGN.md §12).
export OPENBLAS_CORETYPE ?= Zen

.PHONY: deps build test bench demo clean

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
	$(SWIFT) build $(TEST_BUILD) --build-tests
	SWIFT=$(SWIFT) bash Scripts/test-summary.sh $(TEST_BUILD) --skip-build --disable-swift-testing

bench: deps
	bash Benchmarks/run.sh

demo: deps
	@echo "make demo arrives with the generation issue (talkingface generate); nothing to run yet."

clean:
	rm -rf .build
