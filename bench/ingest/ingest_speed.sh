#!/bin/sh
# Ingest and predict --media speed on RetailSim's emitted media, with the
# load average beside the figures (the machine is shared: compare runs
# made side by side only).
#   bench/ingest/ingest_speed.sh BUILD_DIR [MODEL.onnx] [TEST_SAMPLES]
# The model (e.g. out/demo/model.onnx from `make demo`) is optional.
set -eu
build=${1:?usage: ingest_speed.sh BUILD_DIR [MODEL.onnx] [TEST_SAMPLES]}
model=${2:-}
n=${3:-2000}
dir=$(mktemp -d /tmp/storefuse_ingest_bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
sf="$build/cli/storefuse"
sfi="$build/infer/storefuse-infer"
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
t0=$(now)
"$sf" datagen --config configs/data/retailsim.yaml --set retailsim.splits.train=2000 --set retailsim.splits.val=0 \
  --set "retailsim.splits.test=$n" --out "$dir/data" --no-progress > /dev/null
t1=$(now)
"$sf" datagen --config configs/data/retailsim.yaml --set retailsim.splits.train=2000 --set retailsim.splits.val=0 \
  --set "retailsim.splits.test=$n" --out "$dir/data" --emit-media "$dir/media" --no-progress > /dev/null
t2=$(now)
echo "datagen 2000 + $n samples: $(secs "$t0" "$t1") s; with --emit-media: $(secs "$t1" "$t2") s"
"$sf" ingest --manifest "$dir/media/train/manifest.csv" --labels "$dir/media/train/labels.csv" \
  --out "$dir/train.h5" --no-progress | tail -1 | sed 's/^/ingest train (fit + write): /'
"$sf" ingest --manifest "$dir/media/test/manifest.csv" --labels "$dir/media/test/labels.csv" \
  --spec "$dir/train.h5" --out "$dir/test.h5" --no-progress | tail -1 | sed "s/^/ingest test ($n samples, --spec): /"
if [ -n "$model" ]; then
  "$sfi" predict --model "$model" --media "$dir/media/test/manifest.csv" --labels "$dir/media/test/labels.csv" \
    --out "$dir/preds.csv" 2>/dev/null | grep -E "features from|accuracy"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
