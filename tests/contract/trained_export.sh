#!/bin/sh
# The seed network trained 4 epochs on the quickstart data exports with the
# default verification (random inputs, where its logits grow large), and
# ONNX Runtime agrees with the exported file on the test split; its weights
# digest is the reference XXH64.
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

# The weights digest in the metadata is XXH64 of the graph as serialized,
# recomputed here by python3-onnx and the reference xxhsum (issue 21 item 5).
if command -v xxhsum > /dev/null; then
  declared=$(/usr/bin/python3 -c 'import onnx,sys
m = onnx.load(sys.argv[1]); print({p.key: p.value for p in m.metadata_props}["storefuse.weights_digest"])' \
    "$work/model.onnx")
  actual=$(/usr/bin/python3 -c 'import onnx,sys; sys.stdout.buffer.write(onnx.load(sys.argv[1]).graph.SerializeToString())' \
    "$work/model.onnx" | xxhsum -H1 | cut -d' ' -f1)
  [ "$declared" = "xxh64:$actual" ] || { echo "weights digest $declared, xxhsum says xxh64:$actual"; exit 1; }
elif [ "${CI:-}" = true ]; then
  echo "xxhsum (Debian package xxhash) is missing: scripts/setup.sh installs it"; exit 1
else
  echo "note: xxhsum missing, the digest is not checked against the reference"
fi
# A damaged copy is refused: the bad-input catalogue's model_weights_damaged,
# predict_weights_damaged and check_weights_unverified rows.
echo "trained export: ONNX Runtime agrees, the weights digest matches xxhsum"
