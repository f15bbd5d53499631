"""Class statistics of a prepared dataset: what each split holds, per class."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tasks.yolo_files import label_path, list_images, read_labels

# COCO's size buckets, scaled to the fraction of the image a box covers (32² and 96² of 640²).
SMALL_AREA, LARGE_AREA = (32 / 640) ** 2, (96 / 640) ** 2


def split_stats(images_dir: Path, names: list[str]) -> dict:
    """Images, backgrounds, and per class: instances, images, and box sizes (small/medium/large)."""
    images = list_images(images_dir)
    instances: Counter = Counter()
    with_class: Counter = Counter()
    sizes = {name: Counter() for name in names}
    backgrounds = 0
    for image in images:
        labels = read_labels(label_path(image))
        backgrounds += not labels
        for label in labels:
            name = names[label.cls]
            instances[name] += 1
            area = label.w * label.h
            sizes[name]["small" if area < SMALL_AREA else "large" if area > LARGE_AREA else "medium"] += 1
        with_class.update({names[n] for n in {label.cls for label in labels}})
    return {
        "images": len(images),
        "backgrounds": backgrounds,
        "classes": {
            name: {"instances": instances[name], "images": with_class[name], "sizes": dict(sizes[name])}
            for name in names
        },
    }


def imbalance_ratio(stats: dict) -> float | None:
    """Largest class count over the smallest non-empty one; None when fewer than two classes appear."""
    counts = [c["instances"] for c in stats["classes"].values() if c["instances"]]
    return max(counts) / min(counts) if len(counts) > 1 else None
