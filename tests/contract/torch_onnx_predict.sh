#!/bin/sh
# A plain torch.onnx export of the seed network (no mask input, no storefuse
# metadata) predicts over a storefuse dataset through storefuse-infer, and
# its outputs are as close to the float64 answer as PyTorch's float32 ones
# (torch_reference.py says how close).
#   torch_onnx_predict.sh STOREFUSE STOREFUSE_INFER SEED_ONNX SOURCE_DIR
set -eu
storefuse=$1
infer=$2
model=$3
src=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-torch-onnx-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$storefuse" datagen --config "$src/configs/data/retailsim.yaml" --out "$work/data" \
  --set retailsim.splits.train=64 --set retailsim.splits.val=16 --set retailsim.splits.test=96 > "$work/datagen.log"
"$infer" predict --model "$model" --data "$work/data/test.h5" --out "$work/preds.csv" --batch 5
/usr/bin/python3 "$src/tests/contract/torch_reference.py" "$work/data/test.h5" "$work/preds.csv"
