#!/usr/bin/python3
"""torchaudio.transforms.MFCC speed on one thread, the peer of bench_mfcc.

Same parameters as BM_Mfcc16k (MfccParams{} in C++): 16 kHz, n_fft 400,
hop 160, Hann, centred with reflect padding, 40 HTK mels, 13 MFCC, ortho
DCT, decibels with top_db 80; same kind of signal (a 10 s chirp plus noise).
Prints min / median / max over 5 repetitions of CPU milliseconds per second
of audio.

    /usr/bin/python3 bench/features/torchaudio_mfcc_bench.py
"""
import statistics
import time

import numpy as np
import torch
import torchaudio

SECONDS = 10.0
RATE = 16000


def main():
    torch.set_num_threads(1)
    t = np.arange(int(RATE * SECONDS)) / RATE
    f0, f1 = 50.0, 0.45 * RATE
    x = 0.3 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * SECONDS)))
    x += np.random.default_rng(7).normal(0.0, 0.01, t.size)
    wave = torch.from_numpy(x.astype(np.float32))
    mfcc = torchaudio.transforms.MFCC(
        sample_rate=RATE, n_mfcc=13,
        melkwargs=dict(n_fft=400, win_length=400, hop_length=160, n_mels=40))
    with torch.no_grad():
        for _ in range(3):  # warm up
            mfcc(wave)
        runs = []
        for _ in range(5):
            iters = 20
            start = time.thread_time()
            for _ in range(iters):
                mfcc(wave)
            runs.append((time.thread_time() - start) * 1e3 / (iters * SECONDS))
    print(f"torchaudio {torchaudio.__version__} MFCC, 1 thread: ms_per_audio_s "
          f"min {min(runs):.4f} median {statistics.median(runs):.4f} max {max(runs):.4f}")


if __name__ == "__main__":
    main()
