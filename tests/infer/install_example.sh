#!/bin/sh
# Installs the storefuse_infer component of BUILD_DIR into a temporary prefix,
# configures and builds docs/examples/infer against it (find_package), and
# runs the example on a small committed model.
#   install_example.sh BUILD_DIR SOURCE_DIR CXX_COMPILER [TOOLCHAIN_FILE EMULATOR...]
# A cross build (edge-arm64) passes its toolchain file, which the example is
# configured with instead of the compiler, and its emulator (qemu-aarch64 and
# its options), which runs the example and lists its libraries in place of
# ldd: LD_TRACE_LOADED_OBJECTS is what ldd sets, given to the arm64 program
# only (qemu's -E), not to qemu.
set -eu
build=$1
src=$2
cxx=$3
toolchain=${4:-}
if [ $# -gt 4 ]; then shift 4; emulator="$*"; else emulator=""; fi
if [ -n "$toolchain" ]; then compiler="-DCMAKE_TOOLCHAIN_FILE=$toolchain"; else compiler="-DCMAKE_CXX_COMPILER=$cxx"; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-install-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --component storefuse_infer --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/lib/cmake/storefuse_infer/storefuse_inferConfig.cmake"
test -f "$work/prefix/include/storefuse/infer/session.h"
cmake -S "$src/docs/examples/infer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "$compiler" -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
# The embedding program links nothing of the toolkit's dependencies.
if [ -n "$emulator" ]; then
  $emulator -E LD_TRACE_LOADED_OBJECTS=1 "$work/build/infer_example" > "$work/ldd.txt"
else
  ldd "$work/build/infer_example" > "$work/ldd.txt"
fi
echo "infer_example links $(wc -l < "$work/ldd.txt") shared libraries"
if grep -E 'lib(spdlog|fmt|yaml-cpp|hdf5|opencv|gst|avcodec|gdal|torch|c10)' "$work/ldd.txt"; then
  echo "the embedding example links a library the runtime core must not need" >&2
  exit 1
fi
if grep -E 'spdlog|yaml-cpp|nlohmann' "$work/prefix/lib/cmake/storefuse_infer/storefuse_inferConfig.cmake"; then
  echo "the installed package config asks for a dependency the runtime core does not have" >&2
  exit 1
fi
out=$($emulator "$work/build/infer_example" "$src/tests/fuzz/corpus/mlp.onnx" 3)
echo "$out"
# The MLP's output is a softmax over 3 classes for a batch of 3.
echo "$out" | grep -q '^y \[3, 3\]'
# A model that does not exist: exit status 1 and an error message.
if $emulator "$work/build/infer_example" "$work/missing.onnx" 2> "$work/err.txt"; then exit 1; fi
grep -q error "$work/err.txt"
