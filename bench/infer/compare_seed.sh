#!/usr/bin/env bash
# The runtime's acceptance figures, side by side with ONNX Runtime in one run:
#   fp32 seed network, batch 1 / 1 thread and batch 64 / 2 threads;
#   its int8 and fp16 weight-only variants (exporter layout) at batch 1 /
#   1 thread against ONNX Runtime on the fp32 model;
#   load time, weights held and peak resident memory (storefuse-infer bench).
#
#   bench/infer/compare_seed.sh [BUILD_DIR] [ROUNDS]     # default build-infer 3
# Needs the seed fixture (built with the tests), /usr/bin/python3 with onnx,
# node and bench/peers/node_modules/onnxruntime-node.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-infer}
rounds=${2:-3}
bin=$build/infer/storefuse-infer
seed=$build/tests/infer/seed/model.onnx
variants=$build/tests/infer/seed_variants
/usr/bin/python3 tests/infer/quantize_seed_onnx.py "$seed" "$variants"
echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== fp32"
node bench/infer/compare_ort.js --bin "$bin" --model "$seed" --batch 1 --threads 1 --rounds "$rounds" --repeats 300
node bench/infer/compare_ort.js --bin "$bin" --model "$seed" --batch 64 --threads 2 --rounds "$rounds" --repeats 100
for precision in int8 fp16; do
  echo "== $precision weights (storefuse-infer) vs fp32 (ONNX Runtime)"
  node bench/infer/compare_ort.js --bin "$bin" --model "$variants/model_$precision.onnx" --peer-model "$seed" \
    --batch 1 --threads 1 --rounds "$rounds" --repeats 300
done
echo "== load time and memory (batch 1, 1 thread)"
for m in "$seed" "$variants/model_int8.onnx" "$variants/model_fp16.onnx"; do
  echo "$m: $("$bin" bench --model "$m" --batch 1 --threads 1 --warmup 5 --repeats 50 | tail -1)"
done
echo "== sizes"
ls -l "$bin" "$build/infer/libstorefuse_infer.a" | awk '{print $5, $9}'
echo "libtorch in ldd storefuse-infer: $(ldd "$bin" | grep -c torch || true)"
