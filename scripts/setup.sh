#!/usr/bin/env bash
# Installs every Debian package storefuse needs to build, test and benchmark.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

build_deps=(
  build-essential cmake pkg-config ninja-build git
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  libgloo-dev   # the Gloo headers c10d's ProcessGroupGloo.hpp includes (distributed training)
  libopencv-dev libhdf5-dev libyaml-cpp-dev libboost-program-options-dev
  libtbb-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libspdlog-dev nlohmann-json3-dev libssl-dev
  libmosquitto-dev   # the stream processor's MQTT client
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Test and benchmark peers: reference values, fixtures and parity checks only.
peer_deps=(
  python3 python3-torch python3-torchaudio python3-onnx python3-h5py
  python3-scipy python3-numpy libonnx-testdata
  chromium   # loads the A/B HTML report in a test
  clang libclang-rt-14-dev   # the runtime loader's libFuzzer target
  time   # /usr/bin/time: peak memory of a command in the bad-input tests
  xxhash   # xxhsum: an independent check of the weights digest storefuse export writes
  openssl curl   # the server's TLS test makes a certificate; curl is a second HTTP client
  mosquitto mosquitto-clients   # the MQTT broker the stream tests start; mosquitto_sub, an independent client
)

wanted=("${build_deps[@]}")
if [ "${STOREFUSE_NO_PEERS:-0}" != 1 ]; then wanted+=("${peer_deps[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# ONNX Runtime (npm onnxruntime-node, CPU library inside the package): a parity
# and speed peer, never a dependency. Tests that need it skip, saying so, when
# node or the registry is not there.
install_ort_peer() {
  [ "${STOREFUSE_NO_PEERS:-0}" = 1 ] && return 0
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/bench/peers"
  [ -d "$dir/node_modules/onnxruntime-node" ] && return 0
  if ! command -v npm >/dev/null; then
    echo "setup: npm not found; ONNX Runtime parity tests will be skipped"
    return 0
  fi
  echo "setup: installing the ONNX Runtime peer (npm ci --ignore-scripts in bench/peers)"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
    echo "setup: npm ci failed; ONNX Runtime parity tests will be skipped"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#wanted[@]} packages present"
  install_ort_peer
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_ort_peer
echo "setup: done"
