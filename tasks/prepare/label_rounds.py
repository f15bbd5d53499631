"""Labels taken back from labellers (data/labels/round-N) as part of the prepared dataset.

For the built-in source, an imported pool image joins the train split of the `new` part:
its labels hold every class, and the `new` and `all` subsets know every class (the `base`
subset would strip the new ones). An image the label audit handed out (manifest `source: audit`)
is already labelled where it is: its corrected labels replace its old ones in place, so it is
never there twice. A later round wins over an earlier one for the same image.
Label ids in data/labels follow the prepared dataset's full class list, as in data/prepared.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tasks.core import MANIFEST, Layout, label_path, list_images, read_manifest

TRAIN_IMAGES = Path("new/images/train")


def label_rounds(labels: Path) -> list[Path]:
    """The round folders, in round order (round-2 before round-10)."""
    rounds = [p for p in labels.glob("round-*") if p.is_dir() and re.fullmatch(r"round-\d+", p.name)]
    return sorted(rounds, key=lambda p: int(p.name.split("-")[1]))


def audited_in_place(round_dir: Path, prepared: Path, prepared_key: str) -> dict[str, Path]:
    """File name -> the image of `prepared` it corrects, for the round's images that the label audit handed out.

    Manifests name images by key (their path from the project root): `prepared_key` is data/prepared's."""
    entries = read_manifest(round_dir)["images"] if (round_dir / MANIFEST).exists() else []
    found = {}
    for entry in entries:
        key = Path(entry["image"])
        if entry.get("source") == "audit" and key.is_relative_to(prepared_key):
            target = prepared / key.relative_to(prepared_key)
            if target.exists():  # else the image is gone from the data: it joins the train split as new
                found[entry["file"]] = target
    return found


def add_label_rounds(layout: Layout, prepared: Path) -> int:
    """Copy every imported round (layout.labels) into `prepared` (data/prepared being built); how many images."""
    images_dest = prepared / TRAIN_IMAGES
    labels_dest = prepared / "new" / "labels" / "train"
    added: set[str] = set()
    for round_dir in label_rounds(layout.labels):
        in_place = audited_in_place(round_dir, prepared, layout.key(layout.prepared))
        for image in list_images(round_dir / "images"):
            if image.name in in_place:
                shutil.copyfile(round_dir / "labels" / f"{image.stem}.txt", label_path(in_place[image.name]))
                added.add(image.name)
                continue
            images_dest.mkdir(parents=True, exist_ok=True)
            labels_dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image, images_dest / image.name)
            shutil.copyfile(round_dir / "labels" / f"{image.stem}.txt", labels_dest / f"{image.stem}.txt")
            added.add(image.name)
    return len(added)
