"""Score images with the detector in one batched forward pass per chunk: original, flipped, shrunk.

Ultralytics' `predict` runs one view at a time and builds a `Results` object per image; here
the original and its augmented views go through the network together as one batch, the
backbone hook (tasks/mine/embeddings.py) keeps the embeddings of the originals, and Ultralytics'
own NMS turns raw outputs into boxes. Boxes of a view are mapped back to the original
letterboxed frame before they are compared (tasks/mine/uncertainty.py), then to image pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from tasks.core import MineParams, Progress, quiet_ultralytics
from tasks.mine.embeddings import pooled_features
from tasks.mine.uncertainty import Detections, ImageScores, score_image

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
    val_map50_95: float | None = None  # as Ultralytics recorded it in the weights (the cold-start rule reads it)


def recorded_val_map(checkpoint: dict | None) -> float | None:
    """The val mAP50-95 an Ultralytics checkpoint carries (`train_metrics`, saved with best.pt); None if absent."""
    value = ((checkpoint or {}).get("train_metrics") or {}).get("metrics/mAP50-95(B)")
    return None if value is None else float(value)


def load_detector(weights: Path, device: str) -> Detector:
    """The fused network of a YOLO weights file, in eval mode on `device`."""
    quiet_ultralytics()
    from ultralytics import YOLO
    from ultralytics.utils.torch_utils import select_device

    torch_device = select_device(device, verbose=False)
    model = YOLO(str(weights))
    net = model.model.fuse().eval().to(torch_device)
    return Detector(net, list(net.names.values()), torch_device, recorded_val_map(model.ckpt))


def read_images(paths: list[Path]) -> list[np.ndarray]:
    """BGR arrays of image files (EXIF orientation applied, as cv2.imdecode does for the sharded path)."""
    return [cv2.imread(str(p)) for p in paths]


ImageReader = Callable[[list[Path]], list[np.ndarray]]


def load_batch(
    paths: list[Path], imgsz: int, read: ImageReader = read_images
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Letterbox each image to imgsz x imgsz (RGB, 0-1); also return the original (h, w)."""
    from ultralytics.data.augment import LetterBox

    letterbox = LetterBox(new_shape=(imgsz, imgsz), auto=False)
    images = read(paths)
    shapes = [img.shape[:2] for img in images]
    boxed = np.stack([letterbox(image=img)[..., ::-1] for img in images])
    tensor = torch.from_numpy(np.ascontiguousarray(boxed.transpose(0, 3, 1, 2))).float() / 255
    return tensor, shapes


def augmented_views(batch: torch.Tensor, params: MineParams) -> list[tuple[str, float, torch.Tensor]]:
    """(kind, scale, tensor) per augmented view: a horizontal flip, and each shrunk copy.

    A shrunk copy sits in the top-left of the smallest stride-multiple canvas that holds it, so it
    costs the network less than a full-size one.
    """
    views = [("flip", 1.0, torch.flip(batch, dims=[3]))] if params.consistency.flip else []
    side = batch.shape[-1]
    for scale in params.consistency.scales:
        inner = round(side * scale)
        small = F.interpolate(batch, size=(inner, inner), mode="bilinear", align_corners=False)
        canvas = torch.full((*batch.shape[:2], -(-inner // 32) * 32, -(-inner // 32) * 32), PAD)
        canvas[..., :inner, :inner] = small
        views.append(("scale", inner / side, canvas))
    return views


def to_detections(raw: torch.Tensor, kind: str, scale: float, side: int) -> Detections:
    """NMS output (n, 6) of one view, mapped back to the original letterboxed frame."""
    boxes = raw[:, :4].cpu().numpy().astype(float)
    if kind == "flip":
        boxes[:, [0, 2]] = side - boxes[:, [2, 0]]
    boxes /= scale
    return Detections(boxes, raw[:, 4].cpu().numpy().astype(float), raw[:, 5].cpu().numpy().astype(int))


def detect(detector: Detector, batch: torch.Tensor, params: MineParams) -> list[torch.Tensor]:
    """One forward pass and Ultralytics' NMS: (n, 6) boxes per image, in the batch's pixels."""
    from ultralytics.utils.nms import non_max_suppression

    return non_max_suppression(detector.net(batch.to(detector.device)), params.conf, params.iou)


def in_pixels(found: Detections, side: int, shape: tuple[int, int]) -> Detections:
    from ultralytics.utils import ops

    boxes = ops.scale_boxes((side, side), torch.from_numpy(found.boxes.copy()), shape).numpy()
    return Detections(boxes, found.conf, found.cls)


@torch.inference_mode()
def detect_images(
    detector: Detector, paths: list[Path], params: MineParams, read: ImageReader = read_images
) -> list[ScoredImage]:
    """Stage 1, every image: detections (original view) and the backbone embedding."""
    results: list[ScoredImage] = []
    with Progress("pool scoring", len(paths)) as progress:
        for start in range(0, len(paths), params.batch):
            chunk = paths[start : start + params.batch]
            batch, shapes = load_batch(chunk, params.imgsz, read)
            with pooled_features(detector.net) as features:
                raw = detect(detector, batch, params)
            for i, path in enumerate(chunk):
                found = to_detections(raw[i], "original", 1.0, params.imgsz)
                height, width = shapes[i]
                results.append(ScoredImage(path, width, height, found, None, features[0][i]))
            progress.advance(len(chunk))
    return results


@torch.inference_mode()
def view_detections(
    detector: Detector, paths: list[Path], params: MineParams, read: ImageReader = read_images
) -> list[list[Detections]]:
    """Stage 2, shortlisted images: detections of each augmented view, in the original letterboxed frame."""
    per_image: list[list[Detections]] = []
    with Progress("pool scoring, augmented views of the shortlist", len(paths)) as progress:
        for start in range(0, len(paths), params.batch):
            batch, _ = load_batch(paths[start : start + params.batch], params.imgsz, read)
            views = [
                (kind, scale, detect(detector, tensor, params))
                for kind, scale, tensor in augmented_views(batch, params)
            ]
            for i in range(len(batch)):
                per_image.append([to_detections(raw[i], kind, scale, params.imgsz) for kind, scale, raw in views])
            progress.advance(len(batch))
    return per_image


def score_images(detector: Detector, paths: list[Path], params: MineParams, with_scores: bool) -> list[ScoredImage]:
    """Detections in pixels, embeddings, and (if `with_scores`) uncertainty scores of each image.

    With `mine.engine: ray` the two forward passes are sharded over Ray actors
    (tasks/mine/sharded_scoring.py); the ranking between them is the same code either way.
    """
    if params.engine == "ray":
        from tasks.mine.sharded_scoring import score_images_sharded

        return score_images_sharded(detector, paths, params, with_scores)
    images = detect_images(detector, paths, params)
    return complete_scores(images, detector.names, params, with_scores, lambda s: view_detections(detector, s, params))


def complete_scores(
    images: list[ScoredImage],
    names: list[str],
    params: MineParams,
    with_scores: bool,
    views_of: Callable[[list[Path]], list[list[Detections]]],
) -> list[ScoredImage]:
    """Scores from stage 1's detections, the shortlist, stage 2 (`views_of`) on it, and boxes in pixels.

    Least confidence and entropy need only the original view, so every image gets them; the
    augmented views (consistency) run on the `consistency.shortlist * k` images that rank highest
    on those two, since only they can make the batch. Images off the shortlist keep
    `consistency = None` and a score over the other two (tasks/mine/selection.py ranks them after).
    """
    if with_scores:
        weights = params.weights.model_dump()
        first = {k: v for k, v in weights.items() if k != "consistency"} or {"least_confidence": 1.0}
        for image in images:
            image.scores = score_image(image.detections, [], names, first)
            image.scores.consistency = None
        ranked = sorted(images, key=lambda image: (-image.scores.score, image.path.as_posix()))
        has_views = params.consistency.flip or params.consistency.scales
        shortlist = ranked[: params.consistency.shortlist * params.k] if has_views else []
        for image, views in zip(shortlist, views_of([i.path for i in shortlist]), strict=True):
            image.scores = score_image(image.detections, views, names, weights)
            image.scores.shortlisted = True
    for image in images:
        image.detections = in_pixels(image.detections, params.imgsz, (image.height, image.width))
    return images
