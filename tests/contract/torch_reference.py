#!/usr/bin/python3
"""Compare storefuse-infer predictions with PyTorch's seed network.

Usage: torch_reference.py DATA.h5 PREDS.csv

Rebuilds the network of tests/fixtures/make_seed_onnx.py with its seed (the
weights of the exported model.onnx), runs it on every row of DATA.h5 and
checks PREDS.csv against them: every value within 1e-5 of PyTorch's,
relative to max(1, |PyTorch's|). The dataset's inputs reach hundreds (MFCC
statistics), so float32 rounding in the hidden layers is larger than on
unit-scale inputs: on 96 RetailSim rows both float32 results differ from a
float64 run by about 4e-5 in dwell_s. Exits 1 otherwise.
"""
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
from make_seed_onnx import FEATURES, SeedFusion  # noqa: E402
from preds_csv import read_predictions  # noqa: E402


def main(data_path, preds_path):
    torch.manual_seed(2024)
    model = SeedFusion().eval()
    with h5py.File(data_path, "r") as f:
        inputs = [torch.from_numpy(f["inputs/" + m][:]) for m in FEATURES]
        ids = f["ids/sample_id"][:]
    with torch.no_grad():
        logits, dwell, engagement = model(*inputs)
    probs = torch.softmax(logits.double(), dim=1).numpy()
    got_ids, got = read_predictions(preds_path)
    assert len(got_ids) == len(ids), f"{len(got_ids)} predictions for {len(ids)} rows"
    assert got_ids == ids.tolist(), "sample ids differ"
    columns = got["probabilities"].shape[1]
    assert columns == probs.shape[1], f"{columns} probability columns for {probs.shape[1]} classes"
    want = {"probabilities": probs, "dwell_s": dwell.double().numpy().ravel(),
            "engagement": engagement.double().numpy().ravel()}
    failed = False
    for name in got:
        diff = np.abs(got[name] - want[name])
        scaled = float(np.max(diff / np.maximum(1.0, np.abs(want[name]))))
        print(f"{name}: max |diff| {float(diff.max()):.3g}, relative to max(1, |PyTorch|) {scaled:.3g}, "
              f"largest |value| {float(np.abs(want[name]).max()):.3g}, over {len(ids)} rows")
        failed |= not scaled <= 1e-5
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
