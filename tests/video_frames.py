"""Frames of short videos, written here: each scene a textured background with a box moving 2 px a frame.

Consecutive frames of one scene are near-identical (dHash within 4 bits, pHash within 12), the first and
last frames of a scene less so, and no frame is near-identical to another scene's. The frames are split
at random between train and test, as Roboflow splits a dataset of video frames by default.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SIZE = (128, 96)
BOX = (20, 14)


def scene_frames(scene: int, count: int) -> list[tuple[bytes, str]]:
    """JPEG bytes and the YOLO line of the moving box, for each frame of one scene."""
    rng = np.random.default_rng(scene)
    coarse = rng.integers(30, 225, (5, 6, 3), dtype=np.uint8)
    background = np.asarray(Image.fromarray(coarse).resize(SIZE, Image.Resampling.BICUBIC), dtype=np.float32)
    background += rng.normal(0, 12, background.shape)  # the scene's texture: the same in each of its frames
    x0, y0 = int(rng.integers(8, 70)), int(rng.integers(8, 50))
    frames = []
    for t in range(count):
        picture = Image.fromarray(np.clip(background + rng.normal(0, 2, background.shape), 0, 255).astype(np.uint8))
        x, y = x0 + 2 * t, y0 + t
        ImageDraw.Draw(picture).rectangle((x, y, x + BOX[0], y + BOX[1]), fill=(240, 240, 30))
        data = io.BytesIO()
        picture.save(data, "JPEG", quality=90)
        centre = ((x + BOX[0] / 2) / SIZE[0], (y + BOX[1] / 2) / SIZE[1])
        frames.append(
            (data.getvalue(), f"0 {centre[0]:.6f} {centre[1]:.6f} {BOX[0] / SIZE[0]:.6f} {BOX[1] / SIZE[1]:.6f}\n")
        )
    return frames


def write_frames_dataset(root: Path, scenes: int = 6, frames: int = 8, test_share: float = 0.3) -> dict[str, int]:
    """A YOLO dataset of the frames split at random into train/ and test/ (a fixed seed); file stem -> scene."""
    rng, scene_of = np.random.default_rng(2024), {}
    for scene in range(scenes):
        for t, (jpeg, line) in enumerate(scene_frames(scene, frames)):
            split = "test" if rng.random() < test_share else "train"
            stem = f"scene{scene}_frame{t:02d}"
            for folder, name, content in (("images", f"{stem}.jpg", jpeg), ("labels", f"{stem}.txt", line.encode())):
                (root / split / folder).mkdir(parents=True, exist_ok=True)
                (root / split / folder / name).write_bytes(content)
            scene_of[stem] = scene
    (root / "data.yaml").write_text("train: train/images\ntest: test/images\nnames: [box]\n")
    return scene_of
