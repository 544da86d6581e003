#!/bin/sh
# Installs the storefuse_infer component of BUILD_DIR into a temporary prefix,
# configures and builds docs/examples/infer against it (find_package), and
# runs the example on a small committed model.
#   install_example.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
set -eu
build=$1
src=$2
cxx=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-install-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --component storefuse_infer --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/lib/cmake/storefuse_infer/storefuse_inferConfig.cmake"
test -f "$work/prefix/include/storefuse/infer/session.h"
cmake -S "$src/docs/examples/infer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
# The embedding program links nothing of the toolkit's dependencies.
ldd "$work/build/infer_example" > "$work/ldd.txt"
echo "infer_example links $(wc -l < "$work/ldd.txt") shared libraries"
if grep -E 'lib(spdlog|fmt|yaml-cpp|hdf5|opencv|gst|avcodec|gdal|torch|c10)' "$work/ldd.txt"; then
  echo "the embedding example links a library the runtime core must not need" >&2
  exit 1
fi
if grep -E 'spdlog|yaml-cpp|nlohmann' "$work/prefix/lib/cmake/storefuse_infer/storefuse_inferConfig.cmake"; then
  echo "the installed package config asks for a dependency the runtime core does not have" >&2
  exit 1
fi
out=$("$work/build/infer_example" "$src/tests/fuzz/corpus/mlp.onnx" 3)
echo "$out"
# The MLP's output is a softmax over 3 classes for a batch of 3.
echo "$out" | grep -q '^y \[3, 3\]'
# A model that does not exist: exit status 1 and an error message.
if "$work/build/infer_example" "$work/missing.onnx" 2> "$work/err.txt"; then exit 1; fi
grep -q error "$work/err.txt"
