#!/usr/bin/env bash
# make demo: the main job on built-in defaults, end to end.
#   RetailSim data -> train the seed network -> evaluate -> export to ONNX
#   (verified) -> run it with the torch-free runtime, from HDF5 and from raw
#   media files -> A/B reports: runtime vs LibTorch, int8 vs fp32, and a
#   second trained config (gated fusion) vs the seed network -> the same two
#   models served with live A/B traffic (scripts/demo_serve.sh) -> visits
#   replayed as live streams through storefuse-infer stream and a broker
#   (scripts/demo_stream.sh).
# Everything lands in out/demo/; rerunning starts over.
set -euo pipefail
build=${1:-build}
sf="$build/cli/storefuse"
sfi="$build/infer/storefuse-infer"
data=out/demo/data
media=out/demo/media
demo_runs=out/demo/runs
step() { printf '\n== %s\n' "$*"; }

rm -rf out/demo
mkdir -p out/demo

step "1/10 RetailSim: train/val/test split by store (test stores unseen)"
"$sf" datagen --config configs/data/retailsim.yaml --out "$data"

step "2/10 train the seed network (configs/demo.yaml)"
"$sf" train --config configs/demo.yaml --set run.root="$demo_runs" \
  --set data.train="$data/train.h5" --set data.val="$data/val.h5"

step "3/10 evaluate on the unseen test stores"
"$sf" eval --run "$demo_runs/demo" --data "$data/test.h5"

step "4/10 export to ONNX, verified against LibTorch"
"$sf" export --run "$demo_runs/demo" --out out/demo/model.onnx --verify-data "$data/val.h5"
"$sf" export --run "$demo_runs/demo" --out out/demo/model-int8.onnx --precision int8 \
  --verify-data "$data/val.h5" --accuracy-data "$data/test.h5"

step "5/10 the torch-free runtime: predictions from HDF5 and from raw media files"
"$sfi" predict --model out/demo/model.onnx --data "$data/test.h5" --out out/demo/preds_fp32.csv
# A small RetailSim world written as real files (AVI, WAV, POS CSV, sensor
# CSV, manifest); predict rebuilds the features with the spec in the model.
"$sf" datagen --config configs/data/retailsim.yaml --set retailsim.splits.train=200 \
  --set retailsim.splits.val=0 --set retailsim.splits.test=300 \
  --out out/demo/media_data --emit-media "$media"
"$sfi" predict --model out/demo/model.onnx --media "$media/test/manifest.csv" \
  --labels "$media/test/labels.csv" --out out/demo/preds_media.csv
"$sfi" bench --model out/demo/model.onnx --batch 1,64 --threads 1
"$sfi" bench --model out/demo/model-int8.onnx --batch 1 --threads 1

step "6/10 A/B: the torch-free runtime (B) against LibTorch (A) on the same weights"
"$sf" abtest --a "$demo_runs/demo" --b out/demo/model.onnx --data "$data/test.h5" \
  --out out/demo/abtest-runtime --set abtest.name_a=libtorch --set abtest.name_b=storefuse-infer

step "7/10 A/B: should the int8 model replace the fp32 one?"
"$sf" abtest --a out/demo/model.onnx --b out/demo/model-int8.onnx --data "$data/test.h5" \
  --out out/demo/abtest-int8 --set abtest.name_a=fp32 --set abtest.name_b=int8

step "8/10 A/B: should gated fusion (configs/demo_gated.yaml) replace the seed network?"
"$sf" train --config configs/demo_gated.yaml --set run.root="$demo_runs" \
  --set data.train="$data/train.h5" --set data.val="$data/val.h5"
"$sf" export --run "$demo_runs/demo_gated" --out out/demo/model-gated.onnx --verify-data "$data/val.h5"
"$sf" abtest --a out/demo/model.onnx --b out/demo/model-gated.onnx --data "$data/test.h5" \
  --out out/demo/abtest --set abtest.name_a=seed_fusion --set abtest.name_b=gated_fusion

step "9/10 served: seed (A) and gated (B) behind storefuse-infer serve, RetailSim visits replayed live, the log analysed"
bash scripts/demo_serve.sh "$build"

step "10/10 streamed: RetailSim visits replayed as live store streams through an MQTT broker, events out"
bash scripts/demo_stream.sh "$build"
echo
echo "Reports: out/demo/abtest/report.html (seed vs gated), out/demo/abtest-live/ (the same, served live),"
echo "         out/demo/abtest-int8/, out/demo/abtest-runtime/,"
echo "         $demo_runs/demo/eval.md, out/demo/model.json"
