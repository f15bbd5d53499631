"""FiftyOne ingestion through yoloop's index builder: samples with boxes per second (goal >= 1000).

Builds N samples the way `build_index` does (tasks/index/build.py: sample_records and ingest:
ground truth read from YOLO label files, predictions, scores, tags) and adds them to a dataset
on the real mongod. The reference in the same run is a bare `add_samples` of samples without any label,
so the printed ratio shows what the boxes cost.

    python -m benchmarks.fo_ingest [--samples 5000] [--boxes 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import benchmarks.common  # noqa: F401  (state dir, so the database, out of the project)
from tasks.core import Label, Layout, load_fiftyone, write_labels
from tasks.index import ingest, sample_records

NAMES = ["ring", "cross", "star"]


def fake_split(folder: Path, count: int, boxes: int) -> dict[str, list]:
    """`count` image files (never decoded) with `boxes` ground-truth boxes each; predictions per key (from `folder`)."""
    (folder / "images").mkdir(parents=True)
    predictions = {}
    for i in range(count):
        image = folder / "images" / f"img_{i:06d}.jpg"
        image.touch()
        rows = [Label(j % 3, 0.1 + 0.2 * j % 0.8, 0.5, 0.1, 0.1) for j in range(boxes)]
        write_labels(folder / "labels" / f"img_{i:06d}.txt", rows)
        predictions[image.relative_to(folder).as_posix()] = [
            [NAMES[r.cls], 0.5, r.x - 0.05, 0.45, 0.1, 0.1] for r in rows
        ]
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--boxes", type=int, default=4)
    options = parser.parse_args()
    fo = load_fiftyone()

    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        folder = Path(tmp) / "test"
        predictions = fake_split(folder, options.samples, options.boxes)
        fo.Dataset("bench-warmup", overwrite=True).add_samples([fo.Sample(filepath="/x.jpg")], progress=False)
        started = time.perf_counter()
        bare = [fo.Sample(filepath=str(folder / "images" / f"b{i}.jpg")) for i in range(options.samples)]
        fo.Dataset("bench-bare", overwrite=True).add_samples(bare, progress=False)
        bare_s = time.perf_counter() - started
        scores = {k: {"mining_score": 0.5} for k in predictions}
        started = time.perf_counter()
        records = sample_records({"test": folder / "images"}, NAMES, predictions, scores, {}, Layout(folder))
        ingest(fo.Dataset("bench-boxes", overwrite=True), records)
        boxes_s = time.perf_counter() - started
        for name in ("bench-warmup", "bench-bare", "bench-boxes"):
            fo.delete_dataset(name)
    n, per = options.samples, 2 * options.boxes
    print(f"bare samples (no labels)            : {n / bare_s:8.0f} samples/s")
    print(f"samples with {per} boxes (GT + predictions): {n / boxes_s:8.0f} samples/s   (goal >= 1000)")
    print(f"ratio with boxes / bare             : {bare_s / boxes_s:8.3f}")


if __name__ == "__main__":
    main()
