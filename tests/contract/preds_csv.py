"""storefuse-infer predict's CSV as arrays, for the contract checks."""
import csv

import numpy as np


def read_predictions(path):
    """sample ids, and {probabilities [n, classes], dwell_s [n], engagement [n]}."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    p_cols = [c for c in rows[0] if c.startswith("p_")]
    ids = [int(r["sample_id"]) for r in rows]
    return ids, {
        "probabilities": np.array([[float(r[c]) for c in p_cols] for r in rows]),
        "dwell_s": np.array([float(r["dwell_s"]) for r in rows]),
        "engagement": np.array([float(r["engagement"]) for r in rows]),
    }
