#!/usr/bin/env bash
# The torch-free code under AddressSanitizer + UndefinedBehaviorSanitizer:
# builds the runtime, its tests and the fuzz targets with clang in their own
# build folder (the toolkit without LibTorch: the runtime as the edge preset
# has it, plus the config and A/B readers the fuzz targets need), runs the
# runtime's unit, seed-network, model-adapter and conformance tests, then
# fuzzes three readers of untrusted input for FUZZ_SECONDS in all (default
# 45: the ONNX loader 25 s, the YAML config loader 10 s, the prediction-file
# reader 10 s). Any sanitizer report, test failure or fuzzer crash fails the
# script (exit 1); a crashing input is left in BUILD/fuzz-artifacts/.
#
#   scripts/sanitize.sh                      # build-sanitize/, 45 s of fuzzing
#   FUZZ_SECONDS=300 JOBS=8 scripts/sanitize.sh
#   SANITIZE_BUILD_DIR=/tmp/san scripts/sanitize.sh
#   FUZZ_SEED=0 scripts/sanitize.sh          # a random fuzzing seed (default 1:
#                                            # the same inputs every run, as CI needs)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-sanitize}
seconds=${FUZZ_SECONDS:-45}
fuzz_seed=${FUZZ_SEED:-1}
jobs=${JOBS:-2}
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi

echo "== configure $build (clang, ASan + UBSan, without LibTorch)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
  -DSTOREFUSE_BUILD_TOOLKIT=ON -DSTOREFUSE_BUILD_TRAIN=OFF -DSTOREFUSE_WITH_HDF5=ON -DSTOREFUSE_WITH_OPENCV=ON \
  -DSTOREFUSE_BUILD_BENCH=OFF -DSTOREFUSE_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
echo "== build"
nice ninja -C "$build" -j "$jobs" test_infer test_contract onnx_conformance fuzz_infer_loader fuzz_config fuzz_predictions

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== runtime tests"
"$build/tests/infer/test_infer" --gtest_brief=1
echo "== model adapter"
"$build/tests/contract/test_contract" --gtest_brief=1
echo "== ONNX conformance"
"$build/tests/infer/onnx_conformance" /usr/share/libonnx-testdata/data/node | tail -1
# fuzz ID NAME TARGET SECONDS SEEDS...: fuzzes from a copy of the seed corpus.
fuzz() {
  local id=$1 name=$2 target=$3 secs=$4
  shift 4
  echo "== fuzz the $name for ${secs}s"
  local corpus="$build/fuzz-corpus-$id" log="$build/fuzz-$id.log"
  mkdir -p "$corpus" "$build/fuzz-artifacts"
  cp "$@" "$corpus/"
  if ! "$target" -max_total_time="$secs" -seed="$fuzz_seed" -rss_limit_mb=2048 \
    -max_len=65536 -timeout=10 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$id-" "$corpus" > "$log" 2>&1; then
    # The report's first lines say what and where; the last ones which input.
    { grep -m1 -A24 -E "runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|terminate called|deadly signal" \
        "$log" || true; } | cut -c1-300
    echo "..."
    tail -8 "$log"
    echo "sanitize: the $name fuzzer failed; the input is in $build/fuzz-artifacts/, the whole log in $log" >&2
    exit 1
  fi
  tail -6 "$log"
}
share=$((seconds * 2 / 9))
fuzz onnx "ONNX loader" "$build/tests/infer/fuzz_infer_loader" $((seconds - 2 * share)) tests/fuzz/corpus/*.onnx
fuzz config "config loader" "$build/tests/fuzz/fuzz_config" "$share" tests/fuzz/corpus_config/*
fuzz predictions "prediction reader" "$build/tests/fuzz/fuzz_predictions" "$share" tests/fuzz/corpus_predictions/*
echo "sanitize: all runtime tests and ${seconds}s of fuzzing passed under ASan + UBSan"
