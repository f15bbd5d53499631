"""Pool scoring (3 views, embeddings, scores) vs a plain batched `YOLO.predict` over the same images.

Both run in this process, one after the other, on the same images with the same weights,
image size, batch, confidence and IoU, after one warm-up each. The scoring path runs every
image once (with the backbone hook for embeddings), then the flipped and shrunk views of the
`mine.consistency.shortlist * mine.k` images that rank highest on least confidence + entropy;
the ratio of images per second, scoring / plain predict, is the figure (goal >= 0.8).

    python -m benchmarks.pool_scoring [--images 600] [--weights models/train/weights.pt]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import benchmarks.common  # noqa: F401  (state dir out of the project)
from tasks.core import MineParams, list_images, load_params, quiet_ultralytics, resolve_device
from tasks.mine import load_detector, score_images
from tasks.prepare.builtin import write_split
from testkit.profiles import PROJECT_PARAMS


def pool_images(folder: Path, count: int, image_size: int | None = None) -> list[Path]:
    """`count` built-in pool images (params.yaml's size unless `image_size` is given)."""
    builtin = load_params(PROJECT_PARAMS).prepare.builtin
    if image_size:
        builtin = builtin.model_copy(update={"image_size": image_size})
    write_split("pool", count, [0, 1, 2], folder / "images", folder / "labels", builtin, 7)
    return list_images(folder / "images")


def weights_file(given: str | None, work: Path) -> Path:
    """The given weights, else the project's trained model, else an untrained YOLOv8n (same compute)."""
    for candidate in (given, "models/train/weights.pt"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    quiet_ultralytics()
    from ultralytics import YOLO

    path = work / "untrained.pt"
    YOLO("yolov8n.yaml").save(str(path))
    return path


def measure(paths: list[Path], weights: Path, section: MineParams, device: str) -> dict[str, float]:
    """Images per second of a plain batched predict and of pool scoring, same images, weights and settings, after
    one warm-up each (the module's docstring); their ratio, scoring over predict."""
    from ultralytics import YOLO

    plain = YOLO(str(weights))
    args = {"imgsz": section.imgsz, "batch": section.batch, "conf": section.conf, "iou": section.iou}

    def predict() -> None:
        for _ in plain.predict([str(p) for p in paths], stream=True, verbose=False, device=device, **args):
            pass

    detector = load_detector(weights, device)
    predict()
    score_images(detector, paths[: section.batch], section, True)  # warm-ups
    started = time.perf_counter()
    predict()
    plain_s = time.perf_counter() - started
    started = time.perf_counter()
    score_images(detector, paths, section, True)
    scoring_s = time.perf_counter() - started
    return {
        "images": len(paths),
        "predict_ips": len(paths) / plain_s,
        "scoring_ips": len(paths) / scoring_s,
        "ratio": plain_s / scoring_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--weights", default=None)
    options = parser.parse_args()
    params = load_params(PROJECT_PARAMS)
    section = params.mine
    device = resolve_device(params.project.device)
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        paths = pool_images(Path(tmp), options.images)
        weights = weights_file(options.weights, Path(tmp))
        figures = measure(paths, weights, section, device)
    views = 1 + int(section.consistency.flip) + len(section.consistency.scales)
    shortlist = min(len(paths), section.consistency.shortlist * section.k)
    print(f"weights: {weights}  device: {device}  images: {len(paths)}  imgsz {section.imgsz}  batch {section.batch}")
    print(f"plain YOLO.predict            : {figures['predict_ips']:8.1f} img/s")
    print(f"pool scoring, {views} views on {shortlist}: {figures['scoring_ips']:8.1f} img/s")
    print(f"ratio scoring/predict         : {figures['ratio']:8.3f}   (goal >= 0.8)")


if __name__ == "__main__":
    main()
