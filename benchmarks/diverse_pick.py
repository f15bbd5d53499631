"""The diverse pick (k-center greedy) on a large pool of synthetic embeddings: seconds, not minutes.

100,000 random 256-d float32 embeddings in 50 loose clusters, 1,000 of them already labelled
(the covered set), 6 dominant classes; times the pick of the `diversity` strategy as the mine
stage runs it (tasks/mine/strategies.py: class quotas, near-duplicate radius, farthest-first),
and the bare k-center loop, for each k.

    python -m benchmarks.diverse_pick [--pool 100000] [--dim 256] [--k 100 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import benchmarks.common  # noqa: F401  (state dir out of the project)
from tasks.core import MineParams
from tasks.mine.kcenter import k_center_greedy
from tasks.mine.selection import Candidate
from tasks.mine.strategies import PoolPick, choose_batch


def synthetic_pool(size: int, dim: int, covered: int, seed: int = 0) -> tuple[PoolPick, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, size)] + rng.normal(scale=0.5, size=(size, dim)).astype(np.float32)
    keys = [f"pool_{i:06d}.jpg" for i in range(size)]
    classes = [f"class{c}" for c in rng.integers(0, 6, size)]
    candidates = [Candidate(k, float(s), c) for k, s, c in zip(keys, rng.random(size), classes, strict=True)]
    labelled = centres[rng.integers(0, 50, covered)] + rng.normal(scale=0.5, size=(covered, dim)).astype(np.float32)
    return PoolPick(candidates, dict(zip(keys, vectors, strict=True)), labelled), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--covered", type=int, default=1_000)
    parser.add_argument("--k", type=int, nargs="+", default=[100, 1_000])
    options = parser.parse_args()
    pool, vectors = synthetic_pool(options.pool, options.dim, options.covered)
    print(f"pool {options.pool} x {options.dim} float32, {options.covered} labelled, 6 classes")
    for k in options.k:
        section = MineParams(k=k, strategy="diversity", cold_start=0.0)
        started = time.perf_counter()
        rule, choices = choose_batch("diversity", pool, section, set(), None, seed=0)
        strategy_s = time.perf_counter() - started
        started = time.perf_counter()
        picks = k_center_greedy(vectors, k, pool.covered)
        bare_s = time.perf_counter() - started
        print(
            f"k={k:5d}: diversity strategy {strategy_s:6.2f} s ({len(choices)} picked, rule {rule}); "
            f"bare k-center greedy {bare_s:6.2f} s ({len(picks)} picked)"
        )


if __name__ == "__main__":
    main()
