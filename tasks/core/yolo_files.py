"""Ultralytics YOLO label files and dataset folders: the one reader and writer of them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tasks.core.errors import DiskFull, is_disk_full

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class Label:
    """One box: class id and centre-x, centre-y, width, height as fractions of the image."""

    cls: int
    x: float
    y: float
    w: float
    h: float

    def line(self) -> str:
        return f"{self.cls} {self.x:.6f} {self.y:.6f} {self.w:.6f} {self.h:.6f}"

    @classmethod
    def from_corners(
        cls, class_id: int, x0: float, y0: float, x1: float, y1: float, width: float = 1.0, height: float = 1.0
    ) -> Label:
        """The box with corners (x0, y0)-(x1, y1) in an image of `width` x `height` (1 x 1: already fractions)."""
        return cls(class_id, (x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height)

    def corners(self, width: float = 1.0, height: float = 1.0) -> tuple[float, float, float, float]:
        """x0, y0, x1, y1 of the box, scaled to an image of `width` x `height` (1 x 1: fractions)."""
        return (
            (self.x - self.w / 2) * width,
            (self.y - self.h / 2) * height,
            (self.x + self.w / 2) * width,
            (self.y + self.h / 2) * height,
        )


def top_left_box(x0: float, y0: float, x1: float, y1: float, width: float = 1.0, height: float = 1.0) -> list[float]:
    """Corners (x0, y0)-(x1, y1) as [x_top_left, y_top_left, w, h] fractions of a `width` x `height` image:
    FiftyOne's box format, and the reports' (reports/mine, reports/audit)."""
    return [x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height]


def read_labels(path: Path) -> list[Label]:
    """Parse a label file that is already known to be valid (see the validator for raw input)."""
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [Label(int(r[0]), *map(float, r[1:5])) for r in rows]


def write_labels(path: Path, labels: Iterable[Label]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [label.line() for label in labels]
    path.write_text("\n".join(lines) + ("\n" if lines else ""))


def label_path(image: Path) -> Path:
    """Ultralytics' rule: the last `images` folder in the path becomes `labels`, suffix `.txt`."""
    parts = list(image.parts)
    index = len(parts) - 1 - parts[::-1].index("images")
    parts[index] = "labels"
    return Path(*parts).with_suffix(".txt")


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def _through_temporary(path: Path, write: Callable[[Path], object]) -> Path:
    """`write(tmp)` into a temporary file beside `path`, then move it over `path`: readers see the old file or the
    whole new one. A full disk is named (DiskFull) and leaves no temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull(path, exc) from exc
        raise
    tmp.replace(path)
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Write through a temporary file, so readers see the old file or the new one."""
    return _through_temporary(path, lambda tmp: tmp.write_text(text))


def copy_atomic(source: Path, path: Path) -> Path:
    """Copy `source` to `path` through a temporary file, so readers see the old file or the whole new one."""
    return _through_temporary(path, lambda tmp: shutil.copyfile(source, tmp))


def write_json(path: Path, payload: object) -> None:
    """Sorted, indented JSON, written atomically."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_data_yaml(path: Path, names: list[str], splits: dict[str, str | list[str]]) -> Path:
    """A dataset yaml with paths relative to its own folder (no `path:` key, nothing machine-bound)."""
    payload = {**splits, "nc": len(names), "names": dict(enumerate(names))}
    path.write_text(yaml.safe_dump(payload, sort_keys=False))
    return path


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Build a folder beside `target`, then swap it in; an interrupted build leaves the old one.

    A full disk while building is a `DiskFull` naming `target` (the copy functions' own errors
    name no file); a kill leaves `.<name>.partial`, which the next build of `target` removes.
    A kill inside the swap (the old folder moved aside, the new one not yet in) leaves only
    `.<name>.old`: the next build puts it back first, so a build that starts from the old
    folder's content (a label round merged with earlier imports) loses nothing.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging, old = target.with_name(f".{target.name}.partial"), target.with_name(f".{target.name}.old")
    if old.is_dir() and not target.exists():
        old.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        yield staging
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_disk_full(exc):
            raise DiskFull(target, exc) from exc
        raise
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
