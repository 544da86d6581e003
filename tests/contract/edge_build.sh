#!/bin/sh
# The edge preset's storefuse-infer (the runtime for devices): it builds,
# links none of the toolkit's heavy libraries (yaml-cpp, small, reads the
# server's routing file), and its predictions from raw
# audio, POS and sensor files equal the default build's. A video file or a
# dataset file is a clear Unsupported error there (exit 1).
#   edge_build.sh SOURCE_DIR BUILD_DIR STOREFUSE STOREFUSE_INFER SEED_ONNX
set -eu
src=$1
build=$2
storefuse=$3
infer=$4
seed=$5
edge="$build/edge"
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-edge-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake -S "$src" --preset edge -B "$edge" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$edge" --target storefuse-infer -j 2 > "$work/build.log" || { tail -50 "$work/build.log"; exit 1; }
bin="$edge/infer/storefuse-infer"

ldd "$bin" > "$work/ldd-edge.txt"
ldd "$infer" > "$work/ldd-default.txt"
echo "edge storefuse-infer: $(wc -l < "$work/ldd-edge.txt") shared libraries, $(stat -c %s "$bin") bytes;" \
     "default build: $(wc -l < "$work/ldd-default.txt") shared libraries, $(stat -c %s "$infer") bytes"
if grep -E 'lib(opencv|hdf5|gst|av(codec|format|util)|swscale|gdal|spdlog|fmt|torch|c10)' "$work/ldd-edge.txt"; then
  echo "the edge build links a library a device build must not need" >&2
  exit 1
fi

# Raw media of a few RetailSim visits, and the seed network carrying their feature spec.
"$storefuse" datagen --config "$src/configs/data/retailsim.yaml" --out "$work/data" --emit-media "$work/media" \
  --set retailsim.splits.train=48 --set retailsim.splits.val=8 --set retailsim.splits.test=24 > "$work/datagen.log"
"$storefuse" dataset info "$work/data/train.h5" --json > "$work/info.json"
/usr/bin/python3 "$src/tests/fixtures/with_feature_spec.py" "$seed" "$work/info.json" "$work/model.onnx"
/usr/bin/python3 - "$work/media/test/manifest.csv" "$work/media/test/no_video.csv" <<'PY'
import csv, sys
manifest, no_video = sys.argv[1:]
with open(manifest) as f:
    rows = list(csv.DictReader(f))
with open(no_video, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        r["video"] = ""
        w.writerow(r)
PY
"$infer" predict --model "$work/model.onnx" --media "$work/media/test/no_video.csv" --out "$work/default.csv" > /dev/null
"$bin" predict --model "$work/model.onnx" --media "$work/media/test/no_video.csv" --out "$work/edge.csv" \
  --labels "$work/media/test/labels.csv"
cut -d, -f1-13 "$work/default.csv" > "$work/default.cut"   # every column but latency_ms
cut -d, -f1-13 "$work/edge.csv" > "$work/edge.cut"
cmp "$work/default.cut" "$work/edge.cut"
test "$(wc -l < "$work/edge.cut")" -eq 25

# What the edge build cannot do, it says.
if "$bin" predict --model "$work/model.onnx" --media "$work/media/test/manifest.csv" --out "$work/x.csv" 2> "$work/err1.txt"; then
  echo "a video file did not fail in the edge build" >&2
  exit 1
fi
grep -q "decodes no video (built without OpenCV)" "$work/err1.txt"
if "$bin" predict --model "$work/model.onnx" --data "$work/data/test.h5" --out "$work/x.csv" 2> "$work/err2.txt"; then
  echo "a dataset file did not fail in the edge build" >&2
  exit 1
fi
grep -q "reads and writes no dataset files (built without HDF5)" "$work/err2.txt"
test ! -e "$work/x.csv"
echo "edge build: predictions from audio, POS and sensor files equal the default build's"
