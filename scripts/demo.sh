#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and serves a demo site on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh floorguard
exec build/src/app/floorguard serve --demo --data "${FLOORGUARD_DATA:-./var}" "$@"
