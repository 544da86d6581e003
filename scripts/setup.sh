#!/usr/bin/env bash
# Installs every Debian package storefuse needs to build, test and benchmark.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

build_deps=(
  build-essential cmake pkg-config ninja-build git
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  libopencv-dev libhdf5-dev libyaml-cpp-dev libboost-program-options-dev
  libtbb-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libspdlog-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Test and benchmark peers: reference values, fixtures and parity checks only.
peer_deps=(
  python3 python3-torch python3-torchaudio python3-onnx python3-h5py
  python3-scipy python3-numpy libonnx-testdata
  chromium   # loads the A/B HTML report in a test
)

wanted=("${build_deps[@]}")
if [ "${STOREFUSE_NO_PEERS:-0}" != 1 ]; then wanted+=("${peer_deps[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#wanted[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
