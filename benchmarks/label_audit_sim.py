"""Simulated predictions for the label-audit benchmark (`--simulate`): the scoring checked without training.

A model that generalises predicts the objects that are really there (the clean labels, before
planting); a model that memorised its training labels predicts those labels, errors included
(the planted labels). Both are simulated the same way from real box geometry: each box found
with probability 0.9, its corners jittered by a few percent of its size, its class kept with
probability 0.97, a confidence in [0.55, 0.95]; plus false positives (5% of the boxes) at
confidence in [0.05, 0.6]. This checks the scoring and the reasons, not the detectors.
"""

from __future__ import annotations

import random
from dataclasses import replace

from tasks.audit.boxes import AuditImage, Box, Prediction


def noisy(box: Box, classes: int, rng: random.Random) -> Prediction:
    x1, y1, x2, y2 = box.xyxy
    w, h = x2 - x1, y2 - y1
    corners = tuple(c + rng.gauss(0, 0.04) * s for c, s in zip((x1, y1, x2, y2), (w, h, w, h), strict=True))
    cls = box.cls if rng.random() < 0.97 else rng.choice([c for c in range(classes) if c != box.cls])
    return Prediction(cls, round(rng.uniform(0.55, 0.95), 4), corners)


def simulate(images: list[AuditImage], sources: dict[str, list[Box]], classes: int, seed: int) -> list[AuditImage]:
    """`images` with predictions simulated from `sources` (per image key: the boxes really predicted from)."""
    rng = random.Random(f"simulated-{seed}")
    result = []
    for image in images:
        found = [noisy(b, classes, rng) for b in sources[image.key] if rng.random() < 0.9]
        for _ in range(sum(rng.random() < 0.05 for _ in sources[image.key])):
            w, h = rng.uniform(0.1, 0.4) * image.width, rng.uniform(0.1, 0.4) * image.height
            x, y = rng.uniform(0, image.width - w), rng.uniform(0, image.height - h)
            found.append(Prediction(rng.randrange(classes), round(rng.uniform(0.05, 0.6), 4), (x, y, x + w, y + h)))
        result.append(replace(image, predictions=found))
    return result
