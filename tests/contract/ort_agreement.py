#!/usr/bin/python3
"""ONNX Runtime against storefuse-infer on the same model and rows.

Usage: ort_agreement.py MODEL.onnx DATA.h5 PREDS.csv ORT_RUN.js WORK_DIR

Writes DATA.h5's inputs for tests/export/ort_run.js, runs the model in ONNX
Runtime (onnxruntime-node, batch 64) and compares its softmax probabilities,
dwell_s and engagement with PREDS.csv (storefuse-infer predict): the largest
difference of each, which must stay within 1e-4 for probabilities and
engagement and 1e-4 relative for dwell_s. Exit 77 (skip) when node or
onnxruntime-node is missing, unless CI=true, where that is a failure.
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

from preds_csv import read_predictions

MODALITIES = ["visual", "audio", "text", "sensor"]


def missing_peer(why):
    print(f"ort_agreement: {why}")
    return 1 if os.environ.get("CI") == "true" else 77


def main(model, data, preds, ort_run, work):
    node = shutil.which("node")
    if not node:
        return missing_peer("node is not installed (bash scripts/setup.sh)")
    os.makedirs(work, exist_ok=True)
    specs = []
    with h5py.File(data, "r") as f:
        arrays = {m: f["inputs/" + m][:] for m in MODALITIES}
        arrays["mask"] = f["mask"][:]
    for name, a in arrays.items():
        a.tofile(os.path.join(work, name + ".bin"))
        specs.append({"name": name, "dtype": str(a.dtype), "dims": list(a.shape)})
    with open(os.path.join(work, "inputs.json"), "w") as f:
        json.dump(specs, f)
    run = subprocess.run([node, ort_run, model, work, "64"], capture_output=True, text=True)
    if run.returncode == 3:
        return missing_peer(run.stderr.strip())
    if run.returncode != 0:
        print(run.stderr)
        return 1
    n = arrays["mask"].shape[0]
    logits = np.fromfile(os.path.join(work, "behavior_logits.b64.bin"), dtype=np.float32).reshape(n, -1)
    ort = {
        "probabilities": np.exp(logits - logits.max(1, keepdims=True)),
        "dwell_s": np.fromfile(os.path.join(work, "dwell_s.b64.bin"), dtype=np.float32),
        "engagement": np.fromfile(os.path.join(work, "engagement.b64.bin"), dtype=np.float32),
    }
    ort["probabilities"] /= ort["probabilities"].sum(1, keepdims=True)
    _, ours = read_predictions(preds)
    failed = False
    print(f"ONNX Runtime vs storefuse-infer on {n} rows, largest |logit| {np.abs(logits).max():.1f}:")
    for name in ours:
        diff = np.abs(ours[name] - ort[name].astype(np.float64))
        worst = float(diff.max())
        if name == "dwell_s":
            rel = float((diff / np.maximum(np.abs(ort[name]), 1.0)).max())
            print(f"  {name}: max |diff| {worst:.3g} s, relative {rel:.3g}")
            failed |= not rel <= 1e-4
        else:
            print(f"  {name}: max |diff| {worst:.3g}")
            failed |= not worst <= 1e-4
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
