"""Score images with the detector in one batched forward pass per chunk: original, flipped, shrunk.

Ultralytics' `predict` runs one view at a time and builds a `Results` object per image; here
the original and its augmented views go through the network together as one batch, the
backbone hook (tasks/embeddings.py) keeps the embeddings of the originals, and Ultralytics'
own NMS turns raw outputs into boxes. Boxes of a view are mapped back to the original
letterboxed frame before they are compared (tasks/uncertainty.py), then to image pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from tasks.embeddings import pooled_features
from tasks.params_schema import MineParams
from tasks.runtime import quiet_ultralytics
from tasks.uncertainty import Detections, ImageScores, score_image

PAD = 114 / 255  # Ultralytics' letterbox grey


@dataclass
class ScoredImage:
    """One image: its detections in pixels (xyxy), its size, scores and backbone embedding."""

    path: Path
    width: int
    height: int
    detections: Detections
    scores: ImageScores | None
    embedding: np.ndarray


@dataclass(frozen=True)
class Detector:
    net: torch.nn.Module
    names: list[str]
    device: torch.device


def load_detector(weights: Path, device: str) -> Detector:
    """The fused network of a YOLO weights file, in eval mode on `device`."""
    quiet_ultralytics()
    from ultralytics import YOLO
    from ultralytics.utils.torch_utils import select_device

    torch_device = select_device(device, verbose=False)
    net = YOLO(str(weights)).model.fuse().eval().to(torch_device)
    return Detector(net, list(net.names.values()), torch_device)


def load_batch(paths: list[Path], imgsz: int) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Letterbox each image to imgsz x imgsz (RGB, 0-1); also return the original (h, w)."""
    from ultralytics.data.augment import LetterBox

    letterbox = LetterBox(new_shape=(imgsz, imgsz), auto=False)
    images = [cv2.imread(str(p)) for p in paths]
    shapes = [img.shape[:2] for img in images]
    boxed = np.stack([letterbox(image=img)[..., ::-1] for img in images])
    tensor = torch.from_numpy(np.ascontiguousarray(boxed.transpose(0, 3, 1, 2))).float() / 255
    return tensor, shapes


def augmented_views(batch: torch.Tensor, params: MineParams) -> list[tuple[str, float, torch.Tensor]]:
    """(kind, scale, tensor) per view: the original, a horizontal flip, and each shrunk copy."""
    views = [("original", 1.0, batch)]
    if params.consistency.flip:
        views.append(("flip", 1.0, torch.flip(batch, dims=[3])))
    side = batch.shape[-1]
    for scale in params.consistency.scales:
        small = F.interpolate(batch, size=(round(side * scale),) * 2, mode="bilinear", align_corners=False)
        canvas = torch.full_like(batch, PAD)
        canvas[..., : small.shape[-2], : small.shape[-1]] = small
        views.append(("scale", scale, canvas))
    return views


def to_detections(raw: torch.Tensor, kind: str, scale: float, side: int) -> Detections:
    """NMS output (n, 6) of one view, mapped back to the original letterboxed frame."""
    boxes = raw[:, :4].cpu().numpy().astype(float)
    if kind == "flip":
        boxes[:, [0, 2]] = side - boxes[:, [2, 0]]
    boxes /= scale
    return Detections(boxes, raw[:, 4].cpu().numpy().astype(float), raw[:, 5].cpu().numpy().astype(int))


def in_pixels(found: Detections, side: int, shape: tuple[int, int]) -> Detections:
    from ultralytics.utils import ops

    boxes = ops.scale_boxes((side, side), torch.from_numpy(found.boxes.copy()), shape).numpy()
    return Detections(boxes, found.conf, found.cls)


@torch.inference_mode()
def score_images(detector: Detector, paths: list[Path], params: MineParams, with_scores: bool) -> list[ScoredImage]:
    """Detections, embeddings and (if `with_scores`) uncertainty scores of each image."""
    from ultralytics.utils.nms import non_max_suppression

    weights = params.weights.model_dump()
    results: list[ScoredImage] = []
    for start in range(0, len(paths), params.batch):
        chunk = paths[start : start + params.batch]
        batch, shapes = load_batch(chunk, params.imgsz)
        views = augmented_views(batch, params) if with_scores else augmented_views(batch, params)[:1]
        stacked = torch.cat([tensor for _, _, tensor in views]).to(detector.device)
        with pooled_features(detector.net) as features:
            raw = non_max_suppression(detector.net(stacked), params.conf, params.iou)
        n = len(chunk)
        for i, path in enumerate(chunk):
            found = [to_detections(raw[v * n + i], kind, s, params.imgsz) for v, (kind, s, _) in enumerate(views)]
            scores = score_image(found[0], found[1:], detector.names, weights) if with_scores else None
            height, width = shapes[i]
            results.append(
                ScoredImage(path, width, height, in_pixels(found[0], params.imgsz, shapes[i]), scores, features[0][i])
            )
    return results
