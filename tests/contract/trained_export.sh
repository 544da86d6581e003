#!/bin/sh
# The seed network trained 4 epochs on the quickstart data exports with the
# default verification (random inputs, where its logits grow large), and
# ONNX Runtime agrees with the exported file on the test split.
#   trained_export.sh STOREFUSE STOREFUSE_INFER SOURCE_DIR
set -eu
storefuse=$1
infer=$2
src=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-trained-export-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$storefuse" datagen --config "$src/configs/data/retailsim.yaml" --out "$work/data" > "$work/datagen.log"
"$storefuse" train --config "$src/configs/seed_fusion.yaml" --set train.epochs=4 --set run.root="$work/runs" \
  --set data.train="$work/data/train.h5" --set data.val="$work/data/val.h5" > "$work/train.log" 2>&1 ||
  { tail -20 "$work/train.log"; exit 1; }
"$storefuse" export --run "$work/runs/seed_fusion" --out "$work/model.onnx"
"$infer" predict --model "$work/model.onnx" --data "$work/data/test.h5" --out "$work/preds.csv" --batch 64
/usr/bin/python3 "$src/tests/contract/ort_agreement.py" "$work/model.onnx" "$work/data/test.h5" "$work/preds.csv" \
  "$src/tests/export/ort_run.js" "$work/ort"
