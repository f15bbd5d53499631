"""The active-learning loop's bookkeeping: who labels what, what each arm trained on, and when it got there.

Every arm of a repeat starts from the same labelled seed and the same first model. Each round
an arm (a `mine.strategy`: random, uncertainty, diversity, hybrid) takes a batch from the same
pool minus what it already holds, the oracle labels it, and the arm trains and is evaluated on
the same test split. Each point carries hashes of its training set and weights, so the pairing
can be checked afterwards (tasks/loop/efficiency.py reports the curves over repeats).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from tasks.core import InputError, label_path, read_labels
from tasks.loop.stats import labels_to_reach_curve
from tasks.mine import pick_random


@dataclass(frozen=True)
class CurvePoint:
    """One arm after one round: how many images and boxes it holds, its test mAP, and what the round took."""

    arm: str
    round: int
    images: int
    boxes: int
    map50: float
    map50_95: float
    round_s: float  # wall seconds of the round: choosing the batch and training
    repeat: int = 0  # which repeat (seed set) of the experiment
    labelled_sha256: str = ""  # the images and labels this point's model trained on
    weights_sha256: str = ""  # this point's weights
    start_weights_sha256: str = ""  # the weights the round chose with and fine-tuned from ("" for round 0)
    rule: str = ""  # the rule that chose the round's batch (a strategy, or cold-start-diversity; "" for round 0)
    choose_s: float = 0.0  # the part of round_s spent choosing (scoring the pool and picking)


def choose_random(candidates: list[Path], k: int, seed: int, round_number: int) -> list[Path]:
    """A uniform sample of k candidates, the same for the same seed and round (the `random` strategy's draw)."""
    by_key = {candidate.as_posix(): candidate for candidate in candidates}
    return [by_key[key] for key in pick_random(list(by_key), k, seed, round_number)]


def reveal_labels(images: list[Path], oracle_labels: Path, dest: Path) -> list[Path]:
    """The oracle labels `images`: copy each image and its withheld truth into `dest/images|labels`.

    An image the oracle has no truth for is an error (a pool image without kept-aside labels
    would silently become a background image and poison the comparison).
    """
    missing = [image.name for image in images if not (oracle_labels / f"{image.stem}.txt").exists()]
    if missing:
        raise InputError([f"{oracle_labels / (name.rsplit('.', 1)[0] + '.txt')}: no oracle label" for name in missing])
    for folder in ("images", "labels"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    copied = []
    for image in images:
        copied.append(Path(shutil.copy2(image, dest / "images" / image.name)))
        shutil.copy2(oracle_labels / f"{image.stem}.txt", dest / "labels" / f"{image.stem}.txt")
    return copied


def count_boxes(images: list[Path]) -> int:
    return sum(len(read_labels(label_path(image))) for image in images)


def labels_to_reach(curve: list[CurvePoint], target: float) -> float | None:
    """Images an arm needs to reach `target` mAP50-95 (interpolated); None if its curve never does."""
    ordered = sorted(curve, key=lambda p: p.images)
    return labels_to_reach_curve([p.images for p in ordered], [p.map50_95 for p in ordered], target)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def labelled_set_sha256(images: list[Path]) -> str:
    """One hash of a labelled set: each image's name, bytes and label file, in name order."""
    digest = hashlib.sha256()
    for image in sorted(images, key=lambda p: p.name):
        label = label_path(image)
        digest.update(image.name.encode() + b"\0" + hashlib.sha256(image.read_bytes()).digest())
        digest.update(hashlib.sha256(label.read_bytes() if label.exists() else b"").digest())
    return digest.hexdigest()
