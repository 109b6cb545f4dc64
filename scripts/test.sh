#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit and integration tests
# (CTest) and the browser test (Chromium via playwright-core). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
scripts/check_layers.sh
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
tests/e2e/run.sh "$BUILD_DIR"

# The same tests under AddressSanitizer and UBSan (no benchmarks), in their own build dir.
if [[ ${FG_SKIP_SANITIZERS:-0} != 1 ]]; then
  ASAN_DIR=${ASAN_DIR:-build-asan}
  if [[ ! -f $ASAN_DIR/build.ninja ]]; then
    cmake -S . -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFG_SANITIZE=ON \
      -DFG_BUILD_BENCH=OFF >/dev/null
  fi
  ninja -C "$ASAN_DIR" -j "$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$(nproc)"
fi
