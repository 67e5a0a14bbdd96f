#!/usr/bin/env python3
"""Exact cosine top-k baselines for `wavedefect bench search`: numpy brute force and faiss-cpu's
IndexFlatIP, one query at a time on one core, over the same synthetic data shape.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 scripts/bench/search_baselines.py

Vectors are random normal, L2-normalized (so inner product = cosine), seed 42; k = 10.
Prints one line per (library, n, d): QPS and latency percentiles in milliseconds.
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402

K = 10
SHAPES = [(10_000, 40), (100_000, 40), (10_000, 1024), (100_000, 1024)]


def queries_for(n, d):
    """Enough queries for ~1-2 s of work per configuration."""
    return max(50, min(5000, int(2e10 / (n * d * 4))))


def data(n, d, q):
    rng = np.random.default_rng(42)
    x = rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    qs = rng.standard_normal((q, d), dtype=np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    return x, qs


def report(name, n, d, latencies):
    lat = np.array(latencies) * 1e3
    print(f"{name:14s} n={n:>7d} d={d:>5d}  QPS {1e3 / lat.mean():9.1f}  "
          f"p50 {np.percentile(lat, 50):7.3f} ms  p99 {np.percentile(lat, 99):7.3f} ms  ({len(lat)} queries)")
    sys.stdout.flush()


def main():
    faiss.omp_set_num_threads(1)
    for n, d in SHAPES:
        q = queries_for(n, d)
        x, qs = data(n, d, q)
        # numpy: one matrix-vector product, then argpartition for the top k.
        lat = []
        for v in qs:
            t = time.perf_counter()
            s = x @ v
            top = np.argpartition(-s, K)[:K]
            top = top[np.argsort(-s[top])]
            lat.append(time.perf_counter() - t)
        report("numpy", n, d, lat)
        index = faiss.IndexFlatIP(d)
        index.add(x)
        lat = []
        for v in qs:
            t = time.perf_counter()
            index.search(v[None, :], K)
            lat.append(time.perf_counter() - t)
        report("faiss-flat-ip", n, d, lat)


if __name__ == "__main__":
    main()
