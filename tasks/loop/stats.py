"""Statistics of learning curves over repeats: pure functions on plain numbers.

- `t_interval`: mean and Student-t interval over repeats (the band of a curve at one round);
- `bootstrap_interval`: mean and percentile-bootstrap interval (no normality assumed);
- `paired_difference`: arm - baseline per repeat (same seed set, same seed model), bootstrapped;
- `aulc`: area under the learning curve by the trapezoid rule over labelled images, divided by
  the span of labelled images, so it is the curve's mean mAP over that span (in mAP units);
- `labels_to_reach_curve`: labelled images a curve needs to reach a target, read off by linear
  interpolation between rounds (None if it never gets there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A mean and its interval; low and high are None when one value cannot give an interval."""

    mean: float
    low: float | None
    high: float | None
    n: int

    def as_dict(self) -> dict:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def _checked(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or not len(array):
        raise ValueError("need at least one value")
    return array


def t_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """mean +- t(level, n-1) * sd / sqrt(n)."""
    from scipy.stats import t

    array = _checked(values)
    mean = float(array.mean())
    if len(array) < 2:
        return Interval(mean, None, None, 1)
    half = float(t.ppf(0.5 + level / 2, len(array) - 1) * array.std(ddof=1) / math.sqrt(len(array)))
    return Interval(mean, mean - half, mean + half, len(array))


def bootstrap_interval(
    values: Sequence[float], level: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> Interval:
    """The percentile interval of the mean over `resamples` resamples of the values, with replacement."""
    array = _checked(values)
    mean = float(array.mean())
    if len(array) < 2:
        return Interval(mean, None, None, 1)
    picks = np.random.default_rng(seed).integers(0, len(array), size=(resamples, len(array)))
    means = array[picks].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return Interval(mean, float(low), float(high), len(array))


def paired_difference(
    arm: Sequence[float], baseline: Sequence[float], level: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> Interval:
    """Bootstrap interval of the mean of arm[i] - baseline[i]: pairs are repeats, resampled together."""
    if len(arm) != len(baseline):
        raise ValueError(f"paired values differ in count: {len(arm)} vs {len(baseline)}")
    return bootstrap_interval(np.asarray(arm, float) - np.asarray(baseline, float), level, resamples, seed)


def aulc(images: Sequence[float], maps: Sequence[float]) -> float:
    """Trapezoid area under mAP over labelled images, over the span of labelled images (one point: its mAP)."""
    x, y = _checked(images), _checked(maps)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    span = x[-1] - x[0]
    if span <= 0:
        return float(y.mean())
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2) / span)


def labels_to_reach_curve(images: Sequence[float], maps: Sequence[float], target: float) -> float | None:
    """Labelled images at which the curve first reaches `target`, interpolated; None if it never does."""
    previous: tuple[float, float] | None = None
    for x, y in sorted(zip(images, maps, strict=True)):
        if y >= target:
            if previous is None or y == previous[1]:
                return float(x)
            share = (target - previous[1]) / (y - previous[1])
            return previous[0] + share * (x - previous[0])
        previous = (x, y)
    return None
