#!/bin/sh
# The arm64 storefuse-infer (run under qemu-aarch64) against this machine's
# x86-64 one, on the same models and the same raw media: every output of
# every sample within TOL (default 1e-5; absolute below 1, relative above)
# for the float32 model, TOL_WEIGHT_ONLY (default 1e-4, the fast-against-
# reference tolerance of docs/runtime.md) for its int8 and float16
# weight-only variants. Both builds rebuild the features from the
# WAV, POS and sensor files with the feature spec in the model, so this
# checks the feature pipeline on arm64 as well as the kernels.
#   arm64_parity.sh SOURCE_DIR STOREFUSE HOST_INFER ARM64_INFER SEED_DIR
#   arm64_parity.sh --models "A.onnx B.onnx" --manifest M.csv HOST_INFER ARM64_INFER
# The second form compares given models on a given manifest (its video
# column is blanked: the device build decodes no video), e.g. the demo's:
#   arm64_parity.sh --models "out/demo/model.onnx out/demo/model-int8.onnx" \
#     --manifest out/demo/media/test/manifest.csv build/infer/storefuse-infer build-arm64/infer/storefuse-infer
# STOREFUSE_ARM64_EMULATOR: how to run an arm64 program (ctest passes the
# toolchain's CMAKE_CROSSCOMPILING_EMULATOR; the default is the same command
# for the default sysroot, cmake/toolchains/aarch64-linux-gnu.cmake says why).
# Exits 77 (ctest: skipped) when the host binaries are missing outside CI.
set -eu
sysroot=${STOREFUSE_ARM64_SYSROOT:-/opt/storefuse/arm64-sysroot}
emulator=${STOREFUSE_ARM64_EMULATOR:-qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$sysroot/usr/lib/aarch64-linux-gnu:$sysroot/usr/lib}
tol=${TOL:-1e-5}
tol_weight_only=${TOL_WEIGHT_ONLY:-1e-4}
work=$(mktemp -d "${TMPDIR:-/tmp}/storefuse-arm64-$$-XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ "$1" = --models ]; then
  models=$2
  manifest=$4
  host=$5
  arm=$6
else
  src=$1
  storefuse=$2
  host=$3
  arm=$4
  seed=$5
  for program in "$storefuse" "$host"; do
    if [ ! -x "$program" ]; then
      echo "no host program $program: build the host first (make build, or cmake --build build)," \
           "or point STOREFUSE_HOST_BUILD_DIR at a host build" >&2
      [ "${CI:-}" = true ] && exit 1
      exit 77
    fi
  done
  # Raw media of a few RetailSim visits, and the seed network (float32,
  # int8, float16) carrying their feature spec, as tests/contract/edge_build.sh.
  "$storefuse" datagen --config "$src/configs/data/retailsim.yaml" --out "$work/data" --emit-media "$work/media" \
    --set retailsim.splits.train=48 --set retailsim.splits.val=8 --set retailsim.splits.test=24 > "$work/datagen.log"
  "$storefuse" dataset info "$work/data/train.h5" --json > "$work/info.json"
  models=""
  for variant in model model_int8 model_fp16; do
    /usr/bin/python3 "$src/tests/fixtures/with_feature_spec.py" "$seed/$variant.onnx" "$work/info.json" "$work/$variant.onnx"
    models="$models $work/$variant.onnx"
  done
  manifest="$work/media/test/manifest.csv"
fi

if [ ! -x "$arm" ]; then
  echo "no arm64 storefuse-infer at $arm: build it first (bash scripts/arm64.sh)" >&2
  exit 1
fi
# The manifest without video, its media paths made absolute (they are
# relative to the manifest's directory, and the copy lives elsewhere).
no_video="$work/no_video.csv"
/usr/bin/python3 - "$manifest" "$no_video" <<'PY'
import csv, os, sys
base = os.path.dirname(os.path.abspath(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        r["video"] = ""
        for col in ("audio", "sensor", "pos"):
            if r.get(col):
                r[col] = os.path.join(base, r[col])
        w.writerow(r)
PY

$emulator "$arm" check --model "$(echo $models | cut -d' ' -f1)" | grep "kernels"
for m in $models; do
  name=$(basename "$m" .onnx)
  case $name in *int8*|*fp16*) model_tol=$tol_weight_only ;; *) model_tol=$tol ;; esac
  "$host" predict --model "$m" --media "$no_video" --out "$work/$name.x86.csv" > /dev/null
  $emulator "$arm" predict --model "$m" --media "$no_video" --out "$work/$name.arm64.csv" > /dev/null
  /usr/bin/python3 - "$work/$name.x86.csv" "$work/$name.arm64.csv" "$model_tol" "$name" <<'PY'
import csv, sys
x86, arm, tol, name = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
a, b = list(csv.DictReader(open(x86))), list(csv.DictReader(open(arm)))
assert len(a) == len(b) and a, f"{name}: {len(a)} x86 rows, {len(b)} arm64 rows"
worst, where = 0.0, ""
for ra, rb in zip(a, b):
    assert ra["sample_id"] == rb["sample_id"], f"{name}: sample {ra['sample_id']} against {rb['sample_id']}"
    for col in ra:
        if col in ("sample_id", "latency_ms"):
            continue
        x, y = float(ra[col]), float(rb[col])
        # Absolute below 1 (probabilities, engagement), relative above
        # (dwell in seconds: float32 itself steps by 3e-5 at 300 s).
        d = abs(x - y) / max(1.0, abs(x))
        if d > worst:
            worst, where = d, f"sample {ra['sample_id']} {col}: {x} against {y}"
print(f"{name}: {len(a)} samples, largest |x86 - arm64| / max(1, |x86|) = {worst:.3g}" + (f" ({where})" if where else ""))
if worst > tol:
    sys.exit(f"{name}: arm64 differs from x86 by more than {tol}")
PY
done
