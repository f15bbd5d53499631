"""The prepared dataset and its working copies.

`data/prepared` is a DVC output, and Ultralytics writes `labels/*.cache` (and may
re-save images) inside whatever folder it trains on, so training and evaluation
always run on a copy staged in a scratch folder, never on the versioned files.
Label ids in `data/prepared` follow the full class list (base, then new); a
staged copy is remapped, by class name, to the class list of the model at hand.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from tasks.core.contracts import DatasetCard, SplitStats, read_dataset_card, write_dataset_card
from tasks.core.yolo_files import Label, label_path, list_images, read_labels, write_data_yaml, write_labels

LEFT_OUT = "left_out.json"  # copies of pictures the merge of imported sets left out, and why (tasks/prepare/merge.py)
SUBSET_FOLDERS = {"base": ["base"], "new": ["new"], "all": ["base", "new"]}
SPLIT_IMAGE_DIRS = {
    "base/train": "base/images/train",
    "base/val": "base/images/val",
    "new/train": "new/images/train",
    "new/val": "new/images/val",
    "test": "test/images",
}


@dataclass(frozen=True)
class PreparedDataset:
    """What `prepare` wrote: the folder and the class lists its label ids refer to."""

    root: Path
    base_classes: list[str]
    new_classes: list[str]

    @property
    def names(self) -> list[str]:
        return self.base_classes + self.new_classes

    def split_dirs(self) -> dict[str, Path]:
        """The image folder of each split that exists (a dataset may have no `new` part yet)."""
        dirs = {name: self.root / rel for name, rel in SPLIT_IMAGE_DIRS.items()}
        return {name: path for name, path in dirs.items() if path.is_dir()}

    def names_for(self, subset: str) -> list[str]:
        """A model trained on `base` knows the base classes; on `new` or `all`, every class."""
        return self.base_classes if subset == "base" else self.names


def write_card(dataset: PreparedDataset, stats: dict[str, dict]) -> None:
    """The dataset's card: its class lists (which label ids refer to) and what each split holds."""
    classes = {"base": dataset.base_classes, "new": dataset.new_classes}
    write_dataset_card(dataset.root, DatasetCard(classes=classes, splits=stats))


def read_card(root: Path) -> PreparedDataset:
    """data/prepared as its card describes it (an InputError when there is no card yet, or a broken one)."""
    card = read_dataset_card(root)
    return PreparedDataset(root, card.classes.base, card.classes.new)


def read_split_stats(root: Path) -> dict[str, SplitStats] | None:
    """What each split of the card holds (images, boxes per class), or None before the first prepare."""
    card = read_dataset_card(root, required=False)
    return card.splits if card else None


def read_left_out(root: Path) -> list[dict]:
    """The copies `prepare` left out of the imported sets (duplicates, leaks); none for the built-in data."""
    path = root / LEFT_OUT
    return json.loads(path.read_text()) if path.is_file() else []


def copy_remapped(images: list[Path], source_names: list[str], target_names: list[str], dest: Path) -> None:
    """Copy images and their labels to `dest/images|labels`, keeping only classes the target knows."""
    remap = {i: target_names.index(n) for i, n in enumerate(source_names) if n in target_names}
    (dest / "images").mkdir(parents=True, exist_ok=True)
    (dest / "labels").mkdir(parents=True, exist_ok=True)
    for image in images:
        shutil.copyfile(image, dest / "images" / image.name)
        kept = [Label(remap[b.cls], b.x, b.y, b.w, b.h) for b in read_labels(label_path(image)) if b.cls in remap]
        write_labels(dest / "labels" / f"{image.stem}.txt", kept)


def stage_training_set(dataset: PreparedDataset, subset: str, work: Path) -> Path:
    """Copy the train and val splits of `subset` into `work`; return its dataset yaml."""
    names = dataset.names_for(subset)
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for folder in SUBSET_FOLDERS[subset]:
        for split in splits:
            images = list_images(dataset.root / folder / "images" / split)
            copy_remapped(images, dataset.names, names, work / f"{folder}_{split}")
            splits[split].append(f"{folder}_{split}/images")
    return write_data_yaml(work / "data.yaml", names, splits)


def stage_test_set(dataset: PreparedDataset, model_names: list[str], work: Path) -> Path:
    """Copy the test split for a model that knows `model_names`; other classes become background."""
    if not set(model_names) & set(dataset.names):
        raise ValueError(f"the model's classes {model_names} share no name with the dataset's {dataset.names}")
    copy_remapped(list_images(dataset.root / "test" / "images"), dataset.names, model_names, work / "test")
    return write_data_yaml(work / "test.yaml", model_names, {"train": "test/images", "val": "test/images"})
