#!/usr/bin/env bash
# Configures (once) and builds floorguard into build/. Usage: scripts/build.sh [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  # shellcheck disable=SC2086  # CMAKE_ARGS holds several flags on purpose
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
fi
jobs=$(nproc)
# Beast translation units need ~1 GiB each at -O2.
ninja -C "$BUILD_DIR" -j "$jobs" "$@"
