#!/usr/bin/python3
"""The ablation table of docs/ablation.md from the eval.json files that
bench/ablation/run.sh leaves under its run root (default runs/ablation)."""
import json
import os
import sys

ROWS = [  # run name, what it is
    ("visual", "visual alone"),
    ("audio", "audio alone"),
    ("text", "text alone"),
    ("sensor", "sensor alone"),
    ("no_audio", "visual, text and sensor (trained without audio)"),
    ("all", "all four, cross-attention (seed), no modality dropout"),
    ("all_dropout", "all four, cross-attention (seed), modality dropout 0.15"),
    ("all_dropout30", "all four, cross-attention (seed), modality dropout 0.3"),
    ("all_dropout50", "all four, cross-attention (seed), modality dropout 0.5"),
    ("all_dropout70", "all four, cross-attention (seed), modality dropout 0.7"),
    ("all_audio50", "all four, cross-attention (seed), modality dropout 0.15, audio 0.5"),
    ("all_audio70", "all four, cross-attention (seed), modality dropout 0.15, audio 0.7"),
    ("fusion_late", "all four, late fusion, modality dropout 0.15"),
    ("fusion_early", "all four, early fusion, modality dropout 0.15"),
    ("fusion_gated", "all four, gated fusion, modality dropout 0.15"),
    ("seq_cross_attention", "all four, learned encoders on sequences, cross-attention, modality dropout 0.15, audio 0.7"),
]
MODALITIES = ["visual", "audio", "text", "sensor"]


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        o = json.load(f)["overall"]
    return o["behavior"]["accuracy"], o["dwell"]["mae_s"], o["engagement"]["pearson"]


def main(root):
    print("| experiment | accuracy | dwell MAE (s) | engagement r |"
          + "".join(f" without {m} |" for m in MODALITIES) + " worst loss (points) |")
    print("|---|---|---|---|" + "---|" * (len(MODALITIES) + 1))
    for name, label in ROWS:
        full = load(os.path.join(root, name, "eval.json"))
        if full is None:
            print(f"| {label} (`{name}`) | not run | | |" + " |" * (len(MODALITIES) + 1))
            continue
        cells = [f"{100 * full[0]:.1f} %", f"{full[1]:.1f}", f"{full[2]:.3f}"]
        losses = []
        for m in MODALITIES:
            d = load(os.path.join(root, name, f"drop_{m}", "eval.json"))
            cells.append("" if d is None else f"{100 * d[0]:.1f} %")
            if d is not None:
                losses.append(100 * (full[0] - d[0]))
        cells.append(f"{max(losses):.1f}" if losses else "")
        print(f"| {label} (`{name}`) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/ablation")
