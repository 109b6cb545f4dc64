#!/usr/bin/env bash
# Installs the Debian 12 packages floorguard needs to build, run and test. Idempotent: only
# what is missing is installed. Usage: scripts/deps.sh [--test]
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libsqlite3-dev
  libsodium-dev libssl-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libexpected-dev sqlite3 openssl curl
  libqrencode-dev libcurl4-openssl-dev libpam0g-dev john-data python3-zxcvbn tzdata
  libarchive-dev libpoppler-cpp-dev zlib1g-dev
  libpcap-dev libopus-dev libogg-dev libspandsp-dev
)
if [[ ${1:-} == --test ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev chromium wrk pamtester ripgrep
             sip-tester tcpdump tshark espeak-ng sox)
  # A machine may already carry Node.js with its own npm (not Debian's packages, which would
  # conflict with it): use whatever node and npm are on the PATH, else install Debian's.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
