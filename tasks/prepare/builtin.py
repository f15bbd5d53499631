"""Write the built-in dataset as Ultralytics YOLO files.

The splits mirror the blog's story: `base` holds only the base classes, `new`
only the class that arrives later, `test` holds all of them, and `pool` is
unlabelled: its true boxes are kept aside in a folder of their own, which only
the simulated labeller (the oracle) reads.
"""

from __future__ import annotations

from pathlib import Path

from tasks.core import BuiltinParams, ClassSets, Label, label_path, write_labels
from tasks.prepare.glyphs import CLASS_SHAPES, SceneSpec, jpeg_bytes, render_scene, scene_rng


def _spec(params: BuiltinParams, classes: list[str]) -> SceneSpec:
    return SceneSpec(
        image_size=params.image_size,
        classes=tuple(classes),
        objects_per_image=params.objects_per_image,
        clutter_per_image=params.clutter_per_image,
        object_scale=params.object_scale,
        max_occlusion=params.max_occlusion,
    )


def write_split(
    split: str, count: int, class_ids: list[int], images: Path, labels: Path, params: BuiltinParams, seed: int
) -> None:
    """Render `count` images of `split`; class id i is drawn as shape i of `CLASS_SHAPES`."""
    shapes = [CLASS_SHAPES[i] for i in class_ids]
    spec = _spec(params, shapes)
    side = params.image_size
    images.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        picture, boxes = render_scene(spec, scene_rng(seed, split, index), shapes[index % len(shapes)])
        stem = f"{split}_{index:05d}"
        (images / f"{stem}.jpg").write_bytes(jpeg_bytes(picture))
        rows = [Label.from_corners(CLASS_SHAPES.index(b.class_name), b.x0, b.y0, b.x1, b.y1, side, side) for b in boxes]
        write_labels(labels / f"{stem}.txt", rows)


def generate_builtin(
    params: BuiltinParams, classes: ClassSets, seed: int, prepared: Path, pool: Path, oracle: Path
) -> None:
    """Write base/new/test under `prepared`, the unlabelled pool images under `pool`, its truth under `oracle`."""
    if len(classes.all) > 3:
        raise ValueError("the built-in dataset draws three shapes: name at most three classes")
    n = params.images
    base = list(range(len(classes.base)))
    new = list(range(len(classes.base), len(classes.all)))
    plan = [
        ("base_train", n.base_train, base, prepared / "base" / "images" / "train"),
        ("base_val", n.base_val, base, prepared / "base" / "images" / "val"),
        ("new_train", n.new_train, new, prepared / "new" / "images" / "train"),
        ("new_val", n.new_val, new, prepared / "new" / "images" / "val"),
        ("test", n.test, base + new, prepared / "test" / "images"),
    ]
    for split, count, class_ids, images in plan:
        if class_ids:
            write_split(split, count, class_ids, images, label_path(images / "x").parent, params, seed)
    write_split("pool", n.pool, base + new, pool / "images", oracle / "labels", params, seed)
