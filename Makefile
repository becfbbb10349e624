# Thin driver over CMake presets. The two commands a user needs: `make run`, `make test`.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
UPSTREAM ?=
LISTEN ?= 0.0.0.0:8080
ADMIN ?= 127.0.0.1:9901
FUZZ_SECONDS ?= 20

.PHONY: all bootstrap build debug asan fuzz run test test-release test-asan test-fuzz test-dashboard bench demo conformance clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

debug: bootstrap
	@cmake --preset debug >/dev/null
	@cmake --build build-debug -j $(JOBS)

asan: bootstrap
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build-asan -j $(JOBS) --target unit_tests

fuzz: bootstrap
	@cmake --preset fuzz >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzzers

# Main job: ramjet in front of the bundled demo origin, or in front of $(UPSTREAM).
run: build
	@scripts/run-demo "$(UPSTREAM)" "$(LISTEN)" "$(ADMIN)"

# Everything CI runs: the optimised build's unit and integration tests, the admin dashboard
# in headless Chromium, the unit tests under ASan+UBSan, and each fuzz target for a short
# while over its corpus.
test: test-release test-dashboard test-asan test-fuzz

test-release: build
	@cd build && ctest --output-on-failure -j $(JOBS) --timeout 300

test-dashboard: build
	@scripts/check-dashboard build build/dashboard.png

test-asan: asan
	@cd build-asan && ctest --output-on-failure -j $(JOBS) -L unit --timeout 300

test-fuzz: fuzz
	@scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

bench: build
	@bench/run.sh

# The before/after story: a 50 ms API benchmarked directly and through ramjet (--compare table).
demo: build
	@scripts/demo

# RFC 9111: the http-cache-tests suite (cache-tests.fyi) against ramjet as a shared cache;
# prints required passed/failed, total passed and the failing required tests.
conformance: build
	@scripts/conformance

clean:
	rm -rf build build-debug build-asan build-fuzz
