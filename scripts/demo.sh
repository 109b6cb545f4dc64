#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and serves a demo site on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Its own build dir without tests or benchmarks, so the demo needs no test packages.
export BUILD_DIR=build-demo CMAKE_ARGS="-DFG_BUILD_TESTS=OFF -DFG_BUILD_BENCH=OFF"
scripts/build.sh floorguard
exec build-demo/src/app/floorguard serve --demo --data "${FLOORGUARD_DATA:-./var}" "$@"
