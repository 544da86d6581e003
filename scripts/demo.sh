#!/usr/bin/env bash
# make demo: the main job on built-in defaults, end to end.
#   RetailSim data -> train the seed network -> evaluate -> export to ONNX
#   (verified) -> run it with the torch-free runtime -> A/B report.
# Everything lands in out/demo/ and runs/demo*/; rerunning starts over.
set -euo pipefail
build=${1:-build}
sf="$build/cli/storefuse"
sfi="$build/infer/storefuse-infer"
data=out/demo/data
demo_runs=out/demo/runs
step() { printf '\n== %s\n' "$*"; }

rm -rf out/demo
mkdir -p out/demo

step "1/6 RetailSim: train/val/test split by store (test stores unseen)"
"$sf" datagen --config configs/data/retailsim.yaml --out "$data"

step "2/6 train the seed network (configs/demo.yaml)"
"$sf" train --config configs/demo.yaml --set run.root="$demo_runs" \
  --set data.train="$data/train.h5" --set data.val="$data/val.h5"

step "3/6 evaluate on the unseen test stores"
"$sf" eval --run "$demo_runs/demo" --data "$data/test.h5"

step "4/6 export to ONNX, verified against LibTorch"
"$sf" export --run "$demo_runs/demo" --out out/demo/model.onnx --verify-data "$data/val.h5"
"$sf" export --run "$demo_runs/demo" --out out/demo/model-int8.onnx --precision int8 \
  --verify-data "$data/val.h5" --accuracy-data "$data/test.h5"

step "5/6 the torch-free runtime: predictions and latency"
"$sfi" predict --model out/demo/model.onnx --data "$data/test.h5" --out out/demo/preds_fp32.csv
"$sfi" predict --model out/demo/model-int8.onnx --data "$data/test.h5" --out out/demo/preds_int8.csv
"$sfi" bench --model out/demo/model.onnx --batch 1,64 --threads 1

step "6/6 A/B: should the int8 model replace the fp32 one?"
"$sf" abtest --a out/demo/preds_fp32.csv --b out/demo/preds_int8.csv \
  --data "$data/test.h5" --out out/demo/abtest
echo
echo "Reports: out/demo/abtest/report.html, $demo_runs/demo/eval.md"
