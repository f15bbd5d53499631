"""Read a folder of unlabelled photos and videos: the pool that `mine` chooses from.

Images are found at any depth, in any common extension and case. A video is sampled
at `fps` frames a second with OpenCV (which Ultralytics brings), and a frame that is
near-identical to the last one kept (dHash within `max_bits` bits: a camera standing
still) is dropped. Frames are written as JPEG into a scratch folder that lives as long
as the `with` block, so that the importer checks and copies them like any other image.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from tasks.core import Finding
from tasks.core import IMAGE_SUFFIXES
from tasks.data.image_check import difference_hash
from tasks.data.source import POOL_SPLIT, SourceDataset, SourceItem

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
FRAME_QUALITY = 95


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _frames(video: Path, fps: float):
    """(frame index, seconds, RGB picture) every 1/fps seconds; grab() skips the others without decoding them."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    try:
        rate = capture.get(cv2.CAP_PROP_FPS) if capture.isOpened() else 0.0
        step = max(rate / fps, 1.0) if rate > 0 else 1.0
        index, due = 0, 0.0
        while capture.grab():
            if index + 1e-6 >= due:
                ok, frame = capture.retrieve()
                if ok:
                    yield index, index / rate if rate > 0 else float(index), Image.fromarray(frame[:, :, ::-1])
                due += step
            index += 1
    finally:
        capture.release()


def sample_video(video: Path, rel: Path, fps: float, max_bits: int, scratch: Path) -> tuple[list[SourceItem], Finding]:
    """The kept frames of one video as pool items, and a note (or an error) saying what was taken."""
    items, dropped, last_hash, seconds = [], 0, None, 0.0
    for index, seconds, picture in _frames(video, fps):
        frame_hash = difference_hash(picture)
        if last_hash is not None and _hamming(frame_hash, last_hash) <= max_bits:
            dropped += 1
            continue
        last_hash = frame_hash
        name = f"{rel.with_suffix('')}_f{index:06d}.jpg"
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        picture.save(target, "JPEG", quality=FRAME_QUALITY)
        items.append(SourceItem(POOL_SPLIT, target, name, origin=f"{rel} frame {index} ({seconds:.2f} s)"))
    if not items:
        return [], Finding(str(video), None, "no frame could be read (not a video OpenCV can decode?)", "error")
    reason = (
        f"video: {len(items) + dropped} frames sampled at {fps:g} per second over {seconds:.1f} s; "
        f"{dropped} near-identical to the frame before (dHash within {max_bits} bits) dropped, {len(items)} kept"
    )
    return items, Finding(str(video), None, reason, "note")


def _media(source: Path) -> tuple[list[Path], list[Path]]:
    files = [p for p in sorted(source.rglob("*")) if p.is_file()]
    files = [p for p in files if not any(part.startswith(".") for part in p.relative_to(source).parts)]
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    return images, videos


@contextmanager
def read_unlabelled(source: Path, fps: float, max_bits: int) -> Iterator[SourceDataset]:
    """The photos and sampled video frames under `source` (a folder, or one video), all in the `pool` split."""
    root = source if source.is_dir() else source.parent
    images, videos = _media(source) if source.is_dir() else ([], [source])
    dataset = SourceDataset(root, "unlabelled", [])
    dataset.items = [SourceItem(POOL_SPLIT, p, str(p.relative_to(root))) for p in images]
    with tempfile.TemporaryDirectory(prefix="yoloop-frames-") as scratch:
        for video in videos:
            items, finding = sample_video(video, video.relative_to(root), fps, max_bits, Path(scratch))
            dataset.items += items
            dataset.findings.append(finding)
        yield dataset
