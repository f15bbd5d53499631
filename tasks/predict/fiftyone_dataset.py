"""`yoloop predict --fiftyone`: the predictions as a FiftyOne dataset of their own, beside the project's index.

Like the index, it is a view rebuilt from files (boxes.json and the images), so it is replaced whole each time:
one sample per photo (the photo where it lies) or video frame (the frame kept in frames/), the boxes as the
`predictions` field, the source file and frame as fields. The project's index (`yoloop app`) is not touched;
the App lists every dataset of the database, this one too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tasks.core import HOST, load_fiftyone, needs_database


def dataset_name(prefix: str, out: Path) -> str:
    """<prefix>-predict-<the output folder's name>, in the letters FiftyOne's URLs take."""
    return f"{prefix}-predict-" + re.sub(r"[^A-Za-z0-9_-]", "_", out.name)


def _detections(fo: Any, entry: dict[str, Any], boxes: list[dict[str, Any]]) -> Any:
    """The boxes (corners in pixels) as FiftyOne detections (top-left, width, height as fractions)."""
    w, h = entry["width"], entry["height"]
    return fo.Detections(
        detections=[
            fo.Detection(
                label=b["class"],
                confidence=b["confidence"],
                bounding_box=[b["x1"] / w, b["y1"] / h, (b["x2"] - b["x1"]) / w, (b["y2"] - b["y1"]) / h],
            )
            for b in boxes
        ]
    )


@needs_database
def add_to_fiftyone(table: dict[str, Any], out: Path, name: str) -> str:
    """Replace the dataset `name` with the predictions of `table` (boxes.json, written in `out`); a line saying
    where to see it."""
    fo = load_fiftyone()
    by_input: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
    for box in table["boxes"]:
        by_input.setdefault((box["file"], box["frame"]), []).append(box)
    samples = []
    for entry in table["inputs"]:
        image = out / entry["image"] if "image" in entry else Path(table["source"]) / entry["file"]
        sample = fo.Sample(filepath=str(image.resolve()), source_file=entry["file"], frame=entry["frame"])
        sample["predictions"] = _detections(fo, entry, by_input.get((entry["file"], entry["frame"]), []))
        samples.append(sample)
    if fo.dataset_exists(name):
        fo.delete_dataset(name)
    dataset = fo.Dataset(name, persistent=True)
    dataset.add_samples(samples)
    return f"FiftyOne dataset {name}: {len(dataset)} samples; `yoloop app`, then http://{HOST}:5151/datasets/{name}"
