#!/usr/bin/env python3
"""librosa's side of `wavedefect bench embed`: the same 40-D embedding (librosa.load at 22,050 Hz,
mfcc n_mfcc=20, mean and population std over frames) of the same files, timed in process
CPU seconds (all threads, so BLAS threads count too).

    python3 scripts/bench/librosa_embed.py data/bench/*.wav
"""
import sys
import time

import librosa
import numpy as np


def embed(path):
    y, sr = librosa.load(path, sr=22050)
    m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    return np.concatenate([m.mean(axis=1), m.std(axis=1)]), len(y) / sr


def main():
    files = sys.argv[1:]
    if not files:
        sys.exit(__doc__)
    repeats = 3
    embed(files[0])  # warm-up: imports, caches, FFT plans
    audio = cpu = 0.0
    wall0 = time.perf_counter()
    for _ in range(repeats):
        for path in files:
            t = time.process_time()
            _, seconds = embed(path)
            cpu += time.process_time() - t
            audio += seconds
    wall = time.perf_counter() - wall0
    print(f"librosa {librosa.__version__}: {len(files)} files x {repeats} passes, {audio:.1f} s of audio "
          f"in {cpu:.3f} CPU-s ({wall:.3f} s wall)")
    print(f"  {audio / cpu:.0f} s of audio per CPU-second ({cpu / audio * 30 * 1000:.2f} ms CPU per 30 s clip)")


if __name__ == "__main__":
    main()
