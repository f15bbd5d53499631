"""The built-in dataset: glyphs on cluttered backgrounds, drawn deterministically.

Three shapes play the plush toys of the blog: `ring` and `cross` are the base
classes, `star` arrives later. Distractors that share a part with a class (discs,
bars, pentagons, arcs) sit in the clutter, objects vary in scale, aspect, rotation
and colour, and other shapes may cover part of them, so a detector has to learn
shape rather than colour or size. Each image has its own random stream, seeded by
(seed, split, index), so the same seed gives the same bytes in any order.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASS_SHAPES = ("ring", "cross", "star")
DISTRACTOR_SHAPES = ("disc", "bar", "pentagon", "arc", "triangle", "line")
JPEG_QUALITY = 90


@dataclass(frozen=True)
class SceneSpec:
    """What one image may hold; sizes are fractions of the image side."""

    image_size: int
    classes: tuple[str, ...]
    objects_per_image: tuple[int, int]
    clutter_per_image: tuple[int, int]
    object_scale: tuple[float, float]
    max_occlusion: float


@dataclass(frozen=True)
class Box:
    """One labelled object, in pixels."""

    class_name: str
    x0: float
    y0: float
    x1: float
    y1: float


def _rotated(points: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def _ellipse(rx: float, ry: float, n: int = 48, start: float = 0.0, stop: float = 2 * np.pi):
    t = np.linspace(start, stop, n, endpoint=stop - start < 2 * np.pi)
    return np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)


def _star(radius: float, inner: float, points: int = 5) -> np.ndarray:
    t = np.arange(2 * points) * np.pi / points
    r = np.where(np.arange(2 * points) % 2 == 0, radius, radius * inner)
    return np.stack([r * np.sin(t), -r * np.cos(t)], axis=1)


def _shape_polygons(shape: str, size: float, rng: np.random.Generator) -> list[tuple[np.ndarray, int]]:
    """Polygons of a shape centred at 0, each with 255 (paint) or 0 (cut a hole)."""
    half = size / 2
    aspect = rng.uniform(0.7, 1.0)
    if shape == "ring":
        hole = rng.uniform(0.45, 0.7)
        return [(_ellipse(half, half * aspect), 255), (_ellipse(half * hole, half * aspect * hole), 0)]
    if shape == "cross":
        arm = half * rng.uniform(0.22, 0.38)
        bar_v = np.array([[-arm, -half], [arm, -half], [arm, half], [-arm, half]])
        bar_h = bar_v[:, ::-1] * np.array([1, aspect])
        return [(bar_v, 255), (bar_h, 255)]
    if shape == "star":
        return [(_star(half, rng.uniform(0.38, 0.55)), 255)]
    if shape == "disc":
        return [(_ellipse(half, half * aspect), 255)]
    if shape == "bar":
        arm = half * rng.uniform(0.2, 0.4)
        return [(np.array([[-arm, -half], [arm, -half], [arm, half], [-arm, half]]), 255)]
    if shape == "pentagon":
        return [(_ellipse(half, half, n=5), 255)]
    if shape == "arc":
        outer = _ellipse(half, half * aspect, 24, 0, rng.uniform(0.8, 1.4) * np.pi)
        return [(np.concatenate([outer, outer[::-1] * 0.6]), 255)]
    if shape == "triangle":
        return [(_ellipse(half, half * aspect, n=3), 255)]
    if shape == "line":
        w = max(1.0, half * 0.08)
        return [(np.array([[-w, -half], [w, -half], [w, half], [-w, half]]), 255)]
    raise ValueError(f"unknown shape {shape!r}")


def _place(polygons, angle: float, centre: np.ndarray):
    return [(_rotated(p, angle) + centre, fill) for p, fill in polygons]


def _mask(polygons, side: int) -> np.ndarray:
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    for points, fill in polygons:
        draw.polygon([tuple(p) for p in points], fill=fill)
    return np.asarray(canvas) > 127


def _background(side: int, rng: np.random.Generator) -> np.ndarray:
    """A colour gradient with low-frequency blotches and grain."""
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ramp = np.linspace(0, 1, side)[:, None, None]
    direction = rng.integers(2)
    gradient = c0 + (c1 - c0) * (ramp if direction == 0 else ramp.transpose(1, 0, 2))
    coarse = rng.normal(0, 25, (6, 6, 3))
    blotches = np.asarray(Image.fromarray(coarse.astype(np.float32)[..., 0]).resize((side, side), Image.BICUBIC))
    image = gradient + blotches[..., None] + rng.normal(0, 6, (side, side, 3))
    return np.clip(image, 0, 255)


def _contrasting_colour(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random colour that stands out from the pixels it will cover."""
    under = image[mask].mean(axis=0) if mask.any() else image.mean(axis=(0, 1))
    colour = rng.uniform(0, 255, 3)
    for _ in range(20):
        if np.abs(colour - under).sum() > 120:
            break
        colour = rng.uniform(0, 255, 3)
    return colour


def _paint(image: np.ndarray, mask: np.ndarray, colour: np.ndarray, rng: np.random.Generator) -> None:
    ramp = np.linspace(1.0, rng.uniform(0.7, 1.0), image.shape[0])[:, None, None]
    shade = np.broadcast_to(rng.uniform(0.85, 1.1, 3) * ramp, image.shape)
    image[mask] = np.clip(colour * shade[mask] + rng.normal(0, 5, (int(mask.sum()), 3)), 0, 255)


def _random_shape(shape: str, spec: SceneSpec, rng: np.random.Generator):
    side = spec.image_size
    size = rng.uniform(*spec.object_scale) * side
    polygons = _shape_polygons(shape, size, rng)
    placed = _place(polygons, rng.uniform(0, 2 * np.pi), np.zeros(2))
    points = np.concatenate([p for p, _ in placed])
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = rng.uniform(-lo + 1, side - hi - 1) if np.all(hi - lo < side - 2) else np.full(2, side / 2)
    return _place(placed, 0.0, centre), lo + centre, hi + centre


def _visible_enough(masks: list[np.ndarray], owner: np.ndarray, limit: float) -> bool:
    return all((owner == i).sum() >= (1 - limit) * m.sum() for i, m in enumerate(masks))


def _paint_distractor(image: np.ndarray, spec: SceneSpec, rng: np.random.Generator) -> np.ndarray:
    """Draw one random distractor shape under everything drawn later; returns its mask."""
    polygons, _, _ = _random_shape(rng.choice(DISTRACTOR_SHAPES), spec, rng)
    mask = _mask(polygons, spec.image_size)
    _paint(image, mask, _contrasting_colour(image, mask, rng), rng)
    return mask


def _place_objects(
    image: np.ndarray, spec: SceneSpec, rng: np.random.Generator, lead_class: str
) -> tuple[np.ndarray, list[np.ndarray], list[Box]]:
    """Draw the labelled objects, each visible enough; the owner of each pixel, their masks and boxes."""
    side = spec.image_size
    owner = np.full((side, side), -1)
    masks: list[np.ndarray] = []
    boxes: list[Box] = []
    count = int(rng.integers(spec.objects_per_image[0], spec.objects_per_image[1] + 1))
    for k in range(count):
        name = lead_class if k == 0 else str(rng.choice(spec.classes))
        for _attempt in range(10):
            polygons, lo, hi = _random_shape(name, spec, rng)
            mask = _mask(polygons, side)
            trial = owner.copy()
            trial[mask] = len(masks)
            if mask.sum() > 0 and _visible_enough(masks, trial, spec.max_occlusion):
                break
        else:
            continue
        owner = trial
        masks.append(mask)
        _paint(image, mask, _contrasting_colour(image, mask, rng), rng)
        boxes.append(Box(name, *np.clip(lo, 0, side), *np.clip(hi, 0, side)))
    return owner, masks, boxes


def _paint_occluders(
    image: np.ndarray, spec: SceneSpec, rng: np.random.Generator, owner: np.ndarray, masks: list[np.ndarray], count: int
) -> None:
    """Distractors over the objects, each kept only if every object stays visible enough."""
    for _ in range(count):
        polygons, _, _ = _random_shape(rng.choice(DISTRACTOR_SHAPES), spec, rng)
        mask = _mask(polygons, spec.image_size)
        trial = owner.copy()
        trial[mask] = -1
        if _visible_enough(masks, trial, spec.max_occlusion):
            owner = trial
            _paint(image, mask, _contrasting_colour(image, mask, rng), rng)


def render_scene(spec: SceneSpec, rng: np.random.Generator, lead_class: str) -> tuple[Image.Image, list[Box]]:
    """Draw one image: clutter below, objects, then occluders that hide at most `max_occlusion`.

    The first object is of `lead_class`, so a split that cycles it holds every class.
    """
    image = _background(spec.image_size, rng)
    clutter = int(rng.integers(spec.clutter_per_image[0], spec.clutter_per_image[1] + 1))
    under = clutter - clutter // 3
    for _ in range(under):
        _paint_distractor(image, spec, rng)
    owner, masks, boxes = _place_objects(image, spec, rng, lead_class)
    _paint_occluders(image, spec, rng, owner, masks, clutter - under)
    picture = Image.fromarray(image.astype(np.uint8)).filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.8)))
    return picture, boxes


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """A stream of its own for each image, so that splits and counts do not disturb each other."""
    return np.random.default_rng([seed, zlib.crc32(split.encode()), index])


def jpeg_bytes(picture: Image.Image) -> bytes:
    """Encode without metadata, so that the bytes depend on the pixels alone."""
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
