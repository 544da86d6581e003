#!/bin/sh
# Seed-network training throughput, storefuse (C++) vs Python PyTorch, side by
# side: the two programs alternate, round after round, and the script prints
# the median ratio per batch size with the load average before and after.
#   bench/train/compare.sh [BUILD_DIR] [ROUNDS] [DATA]
#     BUILD_DIR  the build with bench/train/train_step_bench (build-train)
#     ROUNDS     alternating rounds per batch size (3)
#     DATA       RetailSim `vectors` training file that storefuse reads through
#                its loader (out/demo/data/train.h5, written by `make demo`)
#   env: SF_THREADS  storefuse run.threads (0: its default, one ATen thread and
#                    one kernel thread per core)
#        PY_THREADS  Python torch.set_num_threads (1: its fastest setting here)
#        BATCHES     batch sizes ("256 32")
#        STEPS, REPEATS  timed steps per repeat (20) and repeats (5) of each run
# Python's batches are held in memory; storefuse's come from the HDF5 file.
# Other processes on the machine skew both sides: compare the ratio.
set -eu
build=${1:-build-train}
rounds=${2:-3}
data=${3:-out/demo/data/train.h5}
here=$(dirname "$0")
bench="$build/bench/train/train_step_bench"
if [ ! -x "$bench" ]; then
  echo "compare.sh: $bench is missing; build it: ninja -C $build train_step_bench" >&2
  exit 2
fi
if [ ! -f "$data" ]; then
  echo "compare.sh: $data is missing; make it with: storefuse datagen --config configs/data/retailsim.yaml --out $(dirname "$data")" >&2
  exit 2
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for batch in ${BATCHES:-256 32}; do
  for round in $(seq "$rounds"); do
    "$bench" --data "$data" --batch "$batch" --threads "${SF_THREADS:-0}" \
      --steps "${STEPS:-20}" --repeats "${REPEATS:-5}"
    /usr/bin/python3 "$here/seed_train_bench.py" --batch "$batch" --threads "${PY_THREADS:-1}" \
      --steps "${STEPS:-20}" --repeats "${REPEATS:-5}"
  done
done | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin]
for batch in sorted({r["batch"] for r in rows}, reverse=True):
    cpp = [r for r in rows if r["batch"] == batch and r["impl"] == "storefuse"]
    py = [r["median"] for r in rows if r["batch"] == batch and r["impl"] == "python"]
    ratios = [c["median"] / p for c, p in zip(cpp, py)]
    rounds = ", ".join("%.2f" % r for r in ratios)
    sf = statistics.median(c["median"] for c in cpp)
    print(f"batch {batch}: storefuse {sf:7.0f} samples/s (hdf5), python "
          f"{statistics.median(py):7.0f} samples/s (memory), ratio "
          f"{statistics.median(ratios):.2f} (per round: {rounds})")
    phases = {k: statistics.median(c["phases_ms"][k] for c in cpp) for k in cpp[0]["phases_ms"]}
    print("  storefuse ms/step: " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
