#!/usr/bin/env bash
# The edge build cross-compiled for arm64 and its tests under qemu-aarch64:
# installs what it needs (scripts/setup-arm64.sh), configures and builds the
# edge-arm64 preset (build-arm64/, cmake/toolchains/aarch64-linux-gnu.cmake)
# and runs the tests labelled arm64, then prints how long each step took.
#   JOBS        parallel compile and test jobs (default 2: a shared 2-core machine)
#   HOST_BUILD  the host build whose predictions the arm64 build's are compared
#               with (default build; make test builds it first)
# Exits with ctest's status; a failed step before it stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
host_build=$(realpath -m "${HOST_BUILD:-build}")

timings=()
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t=$(now)
bash scripts/setup-arm64.sh
timings+=("setup      $(took "$t") s")

t=$(now)
cmake --preset edge-arm64 -DSTOREFUSE_HOST_BUILD_DIR="$host_build" >/dev/null
timings+=("configure  $(took "$t") s")

t=$(now)
nice cmake --build --preset edge-arm64 -j "$jobs"
timings+=("build      $(took "$t") s (-j $jobs)")

# Every test of this build carries the label (tests/CMakeLists.txt); ctest
# runs them through CMAKE_CROSSCOMPILING_EMULATOR.
t=$(now)
rc=0
nice ctest --test-dir build-arm64 -L arm64 --output-on-failure -j "$jobs" --timeout 900 || rc=$?
timings+=("ctest      $(took "$t") s (qemu-aarch64, -j $jobs)")

echo "arm64 timings:"
printf '  %s\n' "${timings[@]}"
exit $rc
