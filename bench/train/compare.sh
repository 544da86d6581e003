#!/bin/sh
# Seed-network training throughput, storefuse (C++) vs Python PyTorch, run
# side by side at one thread setting, alternating, and the median ratio.
#   bench/train/compare.sh [BUILD_DIR] [THREADS] [ROUNDS]
# Other processes on the machine skew both sides; compare the ratio, not
# absolute figures, and repeat.
set -eu
build=${1:-build-train}
threads=${2:-1}
rounds=${3:-3}
here=$(dirname "$0")
for batch in 256 32; do
  for round in $(seq "$rounds"); do
    "$build/bench/train/train_step_bench" --batch "$batch" --threads "$threads"
    /usr/bin/python3 "$here/seed_train_bench.py" --batch "$batch" --threads "$threads"
  done
done | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin]
for batch in sorted({r["batch"] for r in rows}, reverse=True):
    cpp = [r["median"] for r in rows if r["batch"] == batch and r["impl"] == "storefuse"]
    py = [r["median"] for r in rows if r["batch"] == batch and r["impl"] == "python"]
    ratios = [c / p for c, p in zip(cpp, py)]
    rounds = ", ".join("%.2f" % r for r in ratios)
    print(f"batch {batch}: storefuse {statistics.median(cpp):7.0f} samples/s, python "
          f"{statistics.median(py):7.0f} samples/s, ratio {statistics.median(ratios):.2f} "
          f"(per round: {rounds})")
'
