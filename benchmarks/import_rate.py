"""Import and validation rate, in images per second, against a plain PIL open-and-decode loop (goal: <= 2x).

On each real dataset of ../shared/datasets (read in place; the copies go to a
temporary folder): the reference opens and fully decodes every image with PIL; then
yoloop validates (hash, decode, mode, EXIF, labels, duplicates) and imports (the
same, plus the canonical copy, manifest, stats and plot). Best of five runs, warm
cache: on a shared machine the best run is the one least disturbed.

    python -m benchmarks.import_rate      (from the repository root)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PIL import Image

from benchmarks.common import real_datasets_or_exit  # first: the state dir and sys.path
from tasks.core import ImportParams
from tasks.data import import_dataset
from tasks.data.validate_import import read_source, validate

SOURCES = {"bccd": "bccd", "coco128": "coco128", "plysaci-3": "plysaci/3plysaci.yaml"}
GOAL = 2.0


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_decode(images: list[Path]) -> None:
    for path in images:
        with Image.open(path) as image:
            image.load()


def measure(name: str, source: Path, scratch: Path) -> None:
    images = [item.image for item in read_source(source).items]
    plain_decode(images)  # warm the file cache for every contender alike
    plain = best_of(5, lambda: plain_decode(images))
    checking = best_of(5, lambda: validate(read_source(source)))
    params = ImportParams(optional_splits=["val", "test"])  # coco128's val is its train, 3plysaci has no test
    importing = best_of(5, lambda: import_dataset(source, name, params=params, raw=scratch, use_dvc=False))
    n = len(images)
    print(
        f"{name:10s} {n:4d} images | PIL decode {n / plain:7.1f} img/s | validate {n / checking:7.1f} img/s "
        f"({checking / plain:.2f}x) | import {n / importing:7.1f} img/s ({importing / plain:.2f}x)"
    )


def main() -> None:
    root = real_datasets_or_exit()
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-import-") as tmp:
        for name, rel in SOURCES.items():
            measure(name, root / rel, Path(tmp))
    print(f"goal: validation at most {GOAL:g}x the plain decode loop (ratios above: time / plain time)")


if __name__ == "__main__":
    main()
