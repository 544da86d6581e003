#!/usr/bin/python3
"""A stronger check than the C++ linear probe that no single modality is
enough and all four are: a one-hidden-layer MLP (numpy, Adam, modality
dropout) on the vector features of a RetailSim dataset, trained on train.h5
and scored on test.h5 (unseen stores). Not part of ctest (it takes minutes);
the trainer's per-modality runs are the real check.

  /usr/bin/python3 tests/retailsim/tools/fusion_mlp_check.py DIR [visual,audio,...] [epochs]
"""
import sys

import h5py
import numpy as np

MODALITIES = ["visual", "audio", "text", "sensor"]


def load(path, use):
    with h5py.File(path, "r") as f:
        blocks = [f[f"inputs/{m}"][:].astype(np.float32) for m in use]
        mask = f["mask"][:].astype(np.float32)[:, [MODALITIES.index(m) for m in use]]
        return blocks, mask, f["targets/behavior"][:]


def main():
    d = sys.argv[1]
    use = sys.argv[2].split(",") if len(sys.argv) > 2 else MODALITIES
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    btr, mtr, ytr = load(f"{d}/train.h5", use)
    bte, mte, yte = load(f"{d}/test.h5", use)
    # Statistics of present rows only, so that a missing modality is exactly 0.
    stats = []
    for k in range(len(use)):
        p = mtr[:, k] > 0
        mu, sd = btr[k][p].mean(0), btr[k][p].std(0)
        sd[sd < 1e-6] = 1
        stats.append((mu, sd))

    def prep(blocks, mask):
        return np.hstack([(blocks[k] - stats[k][0]) / stats[k][1] * mask[:, k:k + 1]
                          for k in range(len(use))] + [mask])

    rng = np.random.default_rng(0)
    xte = prep(bte, mte)
    dim, hidden = xte.shape[1], 256
    params = [rng.normal(0, np.sqrt(2 / dim), (dim, hidden)).astype(np.float32), np.zeros(hidden, np.float32),
              rng.normal(0, np.sqrt(1 / hidden), (hidden, 10)).astype(np.float32), np.zeros(10, np.float32)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    step, best = 0, 0.0
    for epoch in range(epochs):
        order = rng.permutation(len(ytr))
        for i in range(0, len(order), 128):
            b = order[i:i + 128]
            mask = mtr[b].copy()
            if len(use) > 1:  # modality dropout: hide one modality of 30 % of the rows
                drop = rng.random(len(b)) < 0.3
                which = rng.integers(0, len(use), len(b))
                mask[np.arange(len(b))[drop], which[drop]] = 0
            x = prep([blk[b] for blk in btr], mask)
            w1, b1, w2, b2 = params
            h = np.maximum(x @ w1 + b1, 0)
            z = h @ w2 + b2
            z -= z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(b)), ytr[b]] -= 1
            p /= len(b)
            gh = p @ w2.T
            gh[h <= 0] = 0
            grads = [x.T @ gh + 1e-4 * w1, gh.sum(0), h.T @ p + 1e-4 * w2, p.sum(0)]
            step += 1
            for k, g in enumerate(grads):
                m1[k] = 0.9 * m1[k] + 0.1 * g
                m2[k] = 0.999 * m2[k] + 0.001 * g * g
                params[k] -= 1e-3 * (m1[k] / (1 - 0.9 ** step)) / (np.sqrt(m2[k] / (1 - 0.999 ** step)) + 1e-8)
        w1, b1, w2, b2 = params
        pred = (np.maximum(xte @ w1 + b1, 0) @ w2 + b2).argmax(1)
        full = mte.all(1)
        acc = (pred == yte).mean()
        best = max(best, acc)
        print(f"epoch {epoch}: test accuracy {acc:.4f} (all present {(pred == yte)[full].mean():.4f}, "
              f"some missing {(pred == yte)[~full].mean() if (~full).any() else float('nan'):.4f})", flush=True)
    print(f"{','.join(use)}: best test accuracy {best:.4f}")


if __name__ == "__main__":
    main()
