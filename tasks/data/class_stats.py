"""Class statistics of a prepared dataset: what each split holds, per class."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tasks.core import pyplot, save_figure
from tasks.core import Finding
from tasks.core import label_path, list_images, read_labels

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


def imbalance_findings(stats_by_split: dict[str, dict], max_ratio: float, where: str) -> list[Finding]:
    """A warning per split whose largest class outnumbers its smallest (present) class by more than `max_ratio`."""
    found = []
    for split, stats in stats_by_split.items():
        ratio = imbalance_ratio(stats)
        if ratio is not None and ratio > max_ratio:
            counts = {n: c["instances"] for n, c in stats["classes"].items() if c["instances"]}
            top, low = max(counts, key=counts.get), min(counts, key=counts.get)
            reason = (
                f"{split}: class imbalance {ratio:.1f}x ({top}: {counts[top]} boxes, {low}: {counts[low]}) "
                f"exceeds {max_ratio:g}x"
            )
            found.append(Finding(where, None, reason, "warning"))
    return found


def plot_class_stats(stats_by_split: dict[str, dict], path: Path) -> Path:
    """Bars of instances per class, one group per split, and the background count in each title."""
    plt = pyplot()
    splits = list(stats_by_split)
    fig, axes = plt.subplots(1, max(len(splits), 1), figsize=(4 * max(len(splits), 1), 3.5), squeeze=False)
    for ax, split in zip(axes[0], splits, strict=False):
        classes = stats_by_split[split]["classes"]
        ax.bar(list(classes), [c["instances"] for c in classes.values()], color="tab:blue")
        ax.set_title(f"{split}: {stats_by_split[split]['images']} images, {stats_by_split[split]['backgrounds']} bg")
        ax.tick_params(axis="x", labelrotation=90 if len(classes) > 6 else 0, labelsize=6 if len(classes) > 20 else 9)
    fig.subplots_adjust(bottom=0.3, wspace=0.3)  # not tight_layout: it alone costs more than the bars
    return save_figure(fig, path, 80)
