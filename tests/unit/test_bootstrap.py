"""The bootstrap interval of the mAP gain, on simulated detections whose true gain is known."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.evaluate.bootstrap import bootstrap_difference, map_from_stats
from tasks.evaluate.per_image import ImageStats

N_CLASSES = 2


def simulate(n_images: int, seed: int) -> tuple[list[ImageStats], list[ImageStats]]:
    """The same images seen by a weaker and a stronger model: each box is found with some probability,
    found boxes are correct up to a random IoU threshold, and false positives have lower confidence."""
    rng = np.random.default_rng(seed)
    weak, strong = [], []
    for i in range(n_images):
        targets = rng.integers(0, N_CLASSES, rng.integers(1, 4))
        for records, hit_rate in ((weak, 0.55), (strong, 0.75)):
            found = targets[rng.random(len(targets)) < hit_rate]
            fp_cls = rng.integers(0, N_CLASSES, rng.integers(0, 3))
            depth = rng.integers(1, 11, len(found))
            tp = np.zeros((len(found) + len(fp_cls), 10), dtype=bool)
            for row, k in enumerate(depth):
                tp[row, :k] = True
            conf = np.concatenate([rng.uniform(0.3, 1.0, len(found)), rng.uniform(0.0, 0.7, len(fp_cls))])
            pred_cls = np.concatenate([found, fp_cls]).astype(int)
            records.append(ImageStats(f"{i:05d}.jpg", tp, conf, pred_cls, targets, {}))
    return weak, strong


@pytest.fixture(scope="module")
def true_gain() -> float:
    """The gain on a population far larger than any test set drawn from it."""
    weak, strong = simulate(20000, seed=123)
    return map_from_stats(strong, N_CLASSES)["map50_95"] - map_from_stats(weak, N_CLASSES)["map50_95"]


def test_interval_contains_the_true_gain(true_gain):
    assert true_gain > 0.05, "the simulation must have a real gain to find"
    covered = 0
    for trial in range(8):
        weak, strong = simulate(150, seed=trial)
        interval = bootstrap_difference(strong, weak, N_CLASSES, resamples=200, level=0.95, seed=trial)
        assert interval["low"] < interval["high"]
        covered += interval["low"] <= true_gain <= interval["high"]
    assert covered >= 7, f"a 95% interval covered the true gain {covered}/8 times"


def test_interval_narrows_with_more_images():
    widths = {}
    for n in (40, 400):
        weak, strong = simulate(n, seed=5)
        interval = bootstrap_difference(strong, weak, N_CLASSES, resamples=200, level=0.95, seed=1)
        widths[n] = interval["high"] - interval["low"]
    # The width falls roughly with the square root of the number of images: 10x the images, ~3x narrower.
    assert widths[400] < widths[40] / 2, widths


def test_no_difference_between_a_model_and_itself():
    weak, _ = simulate(50, seed=9)
    interval = bootstrap_difference(weak, weak, N_CLASSES, resamples=50, level=0.9, seed=0)
    assert interval["low"] == interval["high"] == 0.0


def test_images_must_pair():
    weak, strong = simulate(10, seed=1)
    with pytest.raises(ValueError, match="same images"):
        bootstrap_difference(strong[::-1], weak, N_CLASSES, resamples=10, level=0.9, seed=0)


def test_map_from_stats_agrees_with_a_hand_count():
    # One class, two boxes, one found with a perfect match at every threshold: AP is the area under a
    # precision-recall step that reaches recall 0.5 at precision 1, which Ultralytics interpolates to ~0.5.
    record = ImageStats("a.jpg", np.ones((1, 10), dtype=bool), np.array([0.9]), np.array([0]), np.array([0, 0]), {})
    scores = map_from_stats([record], 1)
    assert scores["map50_95"] == pytest.approx(0.5, abs=0.02)
    assert scores["map50"] == pytest.approx(scores["map50_95"])
