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
