"""The active-learning loop's bookkeeping: who labels what, and whether mining beat chance.

Two arms start from the same labelled seed and the same first model. Each round the
`mined` arm takes the batch the miner ranks highest, the `random` arm a batch of the same
size drawn uniformly from the same pool (minus what it already holds), and each arm
trains and is evaluated on the same test split. The report compares the two learning
curves: the label savings are how many labels the random arm needs to reach the mAP the
mined arm ends with (read off its curve by linear interpolation).
"""

from __future__ import annotations

import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from tasks.core.errors import InputError
from tasks.core.plots import pyplot, save_figure
from tasks.core.yolo_files import label_path, read_labels


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


def choose_random(candidates: list[Path], k: int, seed: int, round_number: int) -> list[Path]:
    """A uniform sample of k candidates, the same for the same seed and round."""
    ordered = sorted(candidates)
    return sorted(random.Random(f"{seed}:{round_number}").sample(ordered, min(k, len(ordered))))


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
    previous: CurvePoint | None = None
    for point in sorted(curve, key=lambda p: p.images):
        if point.map50_95 >= target:
            if previous is None or point.map50_95 == previous.map50_95:
                return float(point.images)
            share = (target - previous.map50_95) / (point.map50_95 - previous.map50_95)
            return previous.images + share * (point.images - previous.images)
        previous = point
    return None


def label_savings(mined: list[CurvePoint], random_arm: list[CurvePoint]) -> dict[str, float | None | str]:
    """How many labels random sampling needs for the mined arm's final mAP, and the ratio to mining's."""
    final = max(mined, key=lambda p: p.round)
    needed = labels_to_reach(random_arm, final.map50_95)
    same_size = [p for p in random_arm if p.images == final.images]
    gap = final.map50_95 - same_size[0].map50_95 if same_size else None
    return {
        "mined_images": final.images,
        "mined_map50_95": final.map50_95,
        "random_images_needed": needed,
        "mined_over_random": None if needed is None else final.images / needed,
        "map50_95_gap_at_equal_labels": gap,
        "verdict": _verdict(final, needed, max(random_arm, key=lambda p: p.images), gap),
    }


def _verdict(final: CurvePoint, needed: float | None, random_last: CurvePoint, gap: float | None) -> str:
    at_equal = f"; at {final.images} labelled images mined - random = {gap:+.4f} mAP50-95" if gap is not None else ""
    if needed is None:
        return (
            f"random sampling stayed below the mined arm's final mAP50-95 {final.map50_95:.4f} up to "
            f"{random_last.images} labelled images (it reached {random_last.map50_95:.4f}){at_equal}; "
            "the label ratio lies beyond the random curve"
        )
    if needed > final.images:
        return f"random sampling needs {needed:.0f} labelled images for what mining reached with {final.images}"
    return f"mining did not save labels: random sampling reached the same mAP with {needed:.0f} images{at_equal}"


def curve_rows(points: list[CurvePoint]) -> list[dict]:
    return [asdict(point) for point in arms_sorted(points)]


def write_report(points: list[CurvePoint], dest: Path) -> dict:
    """reports/active_learning: the curves (JSON and a plot) and a few readable lines."""
    from tasks.core.yolo_files import write_json

    arms = {arm: [p for p in points if p.arm == arm] for arm in dict.fromkeys(p.arm for p in points)}
    savings = label_savings(arms["mined"], arms["random"]) if {"mined", "random"} <= set(arms) else None
    summary = {"curve": curve_rows(points), "savings": savings}
    write_json(dest / "report.json", summary)
    _plot(arms, dest / "curve.png")
    lines = ["# Active learning: mined vs random", "", "| arm | round | labelled images | boxes | mAP50-95 |"]
    lines += ["|---|---|---|---|---|"]
    lines += [f"| {p.arm} | {p.round} | {p.images} | {p.boxes} | {p.map50_95:.3f} |" for p in arms_sorted(points)]
    if savings:
        lines += ["", f"**{savings['verdict']}**"]
    (dest / "report.md").write_text("\n".join(lines) + "\n")
    return summary


def arms_sorted(points: list[CurvePoint]) -> list[CurvePoint]:
    return sorted(points, key=lambda p: (p.arm, p.round))


def _plot(arms: dict[str, list[CurvePoint]], path: Path) -> None:
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    for arm, curve in arms.items():
        curve = sorted(curve, key=lambda p: p.images)
        axes.plot([p.images for p in curve], [p.map50_95 for p in curve], marker="o", label=arm)
    axes.set_xlabel("labelled images")
    axes.set_ylabel("test mAP50-95")
    axes.legend()
    figure.tight_layout()
    save_figure(figure, path, 100)
