#!/usr/bin/env python3
"""numpy peer for `wavedefect bench rerank`: the same re-rank maths (per-anchor cosine columns
cached, local scaling, pocket priors, soft-top-k relevance, MMR) on the same synthetic shapes,
one core, one thumb at a time.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 scripts/bench/rerank_baseline.py

Data: 64 cluster centres ~ N(0, 1), rows = centre + 0.8 * N(0, 1), L2-normalized, seed 42
(numpy's generator, so not the same numbers as the Swift command, the same distribution).
Thumbs alternate up (one new anchor column: a matrix-vector product) and down (re-rank only),
each on a track of the current list. Prints p50/p99 in milliseconds per kind of thumb.
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SHAPES = [(16_000, 40), (16_000, 1024), (100_000, 1024)]
TAU, HALF_LIFE, THUMB_WEIGHT, NEIGHBOURHOOD, K = 0.1, 900.0, 2.0, 10, 10
BREADTH, EXPLORE, MERGE = 0.5, 0.3, 0.5


def data(n, d):
    rng = np.random.default_rng(42)
    centres = rng.standard_normal((64, d), dtype=np.float32)
    x = centres[np.arange(n) % 64] + 0.8 * rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def pockets(units):
    """Average-linkage agglomerative clustering at mean cosine >= MERGE."""
    sim = units @ units.T
    members = [[i] for i in range(len(units))]
    active = list(range(len(units)))
    while len(active) > 1:
        best, pair = -np.inf, None
        for p, i in enumerate(active):
            for j in active[p + 1:]:
                if sim[i, j] > best:
                    best, pair = sim[i, j], (i, j)
        if best < MERGE and len(active) <= 16:
            break
        i, j = pair
        ni, nj = len(members[i]), len(members[j])
        for k in active:
            if k not in (i, j):
                sim[i, k] = sim[k, i] = (ni * sim[i, k] + nj * sim[j, k]) / (ni + nj)
        members[i] += members[j]
        active.remove(j)
    return [members[i] for i in active]


class Recommender:
    def __init__(self, x):
        self.x, self.anchors, self.down, self.columns, self.density = x, [], set(), {}, {}

    def column(self, row):
        if row not in self.columns:
            c = self.x @ self.x[row]
            self.columns[row] = c
            nearest = np.partition(np.delete(c, row), -NEIGHBOURHOOD)[-NEIGHBOURHOOD:]
            self.density[row] = nearest.mean()
        return self.columns[row]

    def recommend(self):
        rows = [a[0] for a in self.anchors]
        newest = max(a[2] for a in self.anchors)
        w = np.array([a[1] * 2 ** (-(newest - a[2]) / HALF_LIFE) for a in self.anchors])
        s = np.stack([self.column(r) for r in rows], axis=1)  # n x A
        rho = np.array([self.density[r] for r in rows], dtype=np.float32)
        groups = pockets(self.x[rows])
        gamma = (1 - BREADTH) / (BREADTH + 0.05)
        mass = np.array([w[g].sum() for g in groups])
        logits = gamma * np.log(mass)
        logp = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
        log_pi = np.zeros(len(rows))
        for k, g in enumerate(groups):
            log_pi[g] = logp[k] + np.log(w[g] / mass[k])
        z = (s - rho) / TAU + log_pi.astype(np.float32)
        m = z.max(axis=1)
        rel = TAU * (m + np.log(np.exp(z - m[:, None]).sum(axis=1)))
        rel[rows] = -np.inf
        rel[list(self.down)] = -np.inf
        pool_size = max(50, round(K * (5 + 15 * EXPLORE)))
        pool = np.argpartition(-rel, pool_size)[:pool_size]
        pool = pool[np.argsort(-rel[pool])]
        v = self.x[pool]
        lam = 1 - 0.7 * EXPLORE
        picked, redundancy = [], np.full(len(pool), -np.inf, dtype=np.float32)
        remaining = np.ones(len(pool), dtype=bool)
        while len(picked) < K and remaining.any():
            value = lam * rel[pool] - (1 - lam) * (redundancy if picked else 0)
            value[~remaining] = -np.inf
            c = int(np.argmax(value))
            remaining[c] = False
            picked.append(c)
            redundancy = np.maximum(redundancy, v @ v[c])
        return [int(pool[c]) for c in picked]


def main():
    thumbs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    for n, d in SHAPES:
        x = data(n, d)
        r = Recommender(x)
        r.anchors = [(row, 1.0, 0.0) for row in (0, 1, 64, 65, 128)]
        lst = r.recommend()
        up, down = [], []
        for i in range(thumbs):
            target = lst[i % 3] if len(lst) > i % 3 else lst[0]
            start = time.perf_counter()
            if i % 2 == 0:
                r.anchors = [a for a in r.anchors if a[0] != target] + [(target, THUMB_WEIGHT, float(i + 1))]
            else:
                r.down.add(target)
            lst = r.recommend()
            (up if i % 2 == 0 else down).append((time.perf_counter() - start) * 1e3)
        print(f"numpy n={n:7d} d={d:5d}  thumb up p50 {np.percentile(up, 50):8.2f} ms p99 {np.percentile(up, 99):8.2f} ms"
              f" | thumb down p50 {np.percentile(down, 50):7.2f} ms p99 {np.percentile(down, 99):7.2f} ms | {len(r.anchors)} anchors",
              flush=True)


if __name__ == "__main__":
    main()
