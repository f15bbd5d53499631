"""What a model costs to run on this machine: ms per image by phase, parameters, FLOPs, file size.

Speed is measured with Ultralytics' predictor (the path a deployment takes), at batch 1
and at a larger batch, after a warm-up pass; the numbers are for the device it ran on,
which the result names, so they compare only with numbers from the same device.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.core import quiet_ultralytics

PHASES = ("preprocess", "inference", "postprocess")


def time_predictions(detector: Any, images: list[Path], batch: int, args: dict[str, Any]) -> dict[str, float]:
    """Mean ms per image by phase over `images` at `batch`, after one untimed pass to warm up."""
    sources = [str(p) for p in images]
    detector.predict(sources[:batch], batch=batch, verbose=False, **args)
    results = detector.predict(sources, batch=batch, verbose=False, **args)
    speed = {phase: float(results[0].speed[phase]) for phase in PHASES}
    return {**speed, "total": sum(speed.values())}


def measure_speed(
    weights: Path, images: list[Path], batches: list[int], args: dict[str, Any], device: str
) -> dict[str, Any]:
    """ms per image at each batch size on `device`; `args` are predictor arguments (imgsz, conf, iou)."""
    quiet_ultralytics()
    from ultralytics import YOLO

    detector = YOLO(str(weights), task="detect")
    by_batch = {str(b): time_predictions(detector, images, b, {**args, "device": device}) for b in batches}
    return {"device": device, "images": len(images), "batch": by_batch}


def model_size(weights: Path, imgsz: int) -> dict[str, float | int]:
    """Parameters, GFLOPs at `imgsz` (0 when thop cannot count them) and the weights file's bytes."""
    quiet_ultralytics()
    from ultralytics import YOLO
    from ultralytics.utils.torch_utils import get_flops, get_num_params

    model = YOLO(str(weights)).model
    return {
        "parameters": int(get_num_params(model)),
        "gflops": round(float(get_flops(model, imgsz)), 4),
        "imgsz": imgsz,
        "file_bytes": weights.stat().st_size,
    }


def paired_latency(
    weights: dict[str, Path], images: list[Path], args: dict[str, Any], device: str, rounds: int = 3
) -> dict[str, float]:
    """Median ms per image at batch 1 of several models, timed in alternation on the same images.

    Alternating rounds share whatever else the machine is doing between the models, so a
    latency ratio is not an artefact of one model having been timed while the machine was busy.
    """
    quiet_ultralytics()
    from ultralytics import YOLO

    detectors = {name: YOLO(str(path), task="detect") for name, path in weights.items()}
    totals: dict[str, list[float]] = {name: [] for name in detectors}
    for _ in range(rounds):
        for name, detector in detectors.items():
            totals[name].append(time_predictions(detector, images, 1, {**args, "device": device})["total"])
    return {name: float(sorted(values)[len(values) // 2]) for name, values in totals.items()}
