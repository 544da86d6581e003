#!/usr/bin/python3
"""Training throughput of the seed network in Python PyTorch: the peer that
storefuse's train_step_bench is compared with (see compare.sh).

One step: forward, cross-entropy + dwell MSE + engagement MSE, backward,
clip_grad_norm_(1.0), Adam(lr 1e-3, weight_decay 1e-5). Inputs are
pre-generated batches held in memory, so no data loading is timed.

Usage: seed_train_bench.py [--batch 256] [--threads 1] [--steps 20] [--repeats 5]
Prints one JSON line: samples/s of each repeat, and min/median/max.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
from seed_model import FEATURES, SeedFusion  # noqa: E402


def make_batches(batch, count):
    g = torch.Generator().manual_seed(7)
    return [dict(inputs=[torch.randn(batch, f, generator=g) for f in FEATURES.values()],
                 mask=torch.ones(batch, 4, dtype=torch.uint8),
                 behavior=torch.randint(0, 10, (batch,), generator=g),
                 dwell=torch.randn(batch, generator=g),
                 engagement=torch.rand(batch, generator=g)) for _ in range(count)]


def step(model, optimizer, b):
    optimizer.zero_grad()
    logits, dwell, engagement = model(*b["inputs"], b["mask"])
    loss = (F.cross_entropy(logits, b["behavior"]) + F.mse_loss(dwell, b["dwell"]) +
            F.mse_loss(engagement, b["engagement"]))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = SeedFusion().train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    batches = make_batches(args.batch, 4)
    for i in range(args.warmup):
        step(model, optimizer, batches[i % len(batches)])
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.steps):
            step(model, optimizer, batches[i % len(batches)])
        rates.append(args.steps * args.batch / (time.perf_counter() - start))
    print(json.dumps({"impl": "python", "torch": torch.__version__, "batch": args.batch,
                      "threads": torch.get_num_threads(), "samples_per_s": rates,
                      "min": min(rates), "median": statistics.median(rates),
                      "max": max(rates)}))


if __name__ == "__main__":
    main()
