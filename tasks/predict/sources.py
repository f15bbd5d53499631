"""What `yoloop predict` reads: one image, one video, or a folder of them at any depth (hidden files left out).

A path that is not there, a file that is neither, or a folder with no image and no video is bad input (exit 2,
the path named): finding nothing to predict on is an error, never an empty output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.core import IMAGE_SUFFIXES, InputError
from tasks.data import VIDEO_SUFFIXES

KINDS = ", ".join(IMAGE_SUFFIXES + VIDEO_SUFFIXES)


@dataclass(frozen=True)
class Media:
    """The images and videos of a source; names in the outputs are relative to `root`."""

    root: Path
    images: list[Path]
    videos: list[Path]

    def name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _visible_files(folder: Path) -> list[Path]:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return [p for p in files if not any(part.startswith(".") for part in p.relative_to(folder).parts)]


def find_media(source: Path) -> Media:
    """The images and videos `source` holds (or is); an InputError naming it when it holds none."""
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if source.is_file():
        suffix = source.suffix.lower()
        if suffix not in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
            raise InputError(f"{source}: neither an image nor a video ({KINDS})")
        is_image = suffix in IMAGE_SUFFIXES
        return Media(source.parent, [source] if is_image else [], [] if is_image else [source])
    files = _visible_files(source)
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
    if not images and not videos:
        raise InputError(f"{source}: no image and no video in it ({KINDS}, any case, at any depth)")
    return Media(source, images, videos)


def read_image(path: Path) -> np.ndarray:
    """The image as Ultralytics reads a path (BGR); an InputError naming it when it cannot be decoded."""
    from ultralytics.utils.patches import imread

    picture = imread(str(path))
    if picture is None:
        raise InputError(f"{path}: not an image OpenCV can decode")
    return picture


def frame_count(video: Path) -> int:
    """The frames the video's header announces; an InputError naming it when OpenCV cannot open it."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            raise InputError(f"{video}: not a video OpenCV can decode")
        return max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
    finally:
        capture.release()


def video_frames(video: Path) -> Iterator[tuple[int, np.ndarray]]:
    """(index, BGR frame) for every frame; an InputError naming the video when not one frame can be read."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield index, frame
            index += 1
    finally:
        capture.release()
    if index == 0:
        raise InputError(f"{video}: no frame could be read (not a video OpenCV can decode?)")
