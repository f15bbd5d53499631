"""Does the exported model still detect what the PyTorch one did? Export, then score the file.

Ultralytics exports next to the weights it is given, so the weights are copied into a
scratch folder first (models/ is a DVC output and must not gain files). Variants: float
ONNX always; FP16 ONNX only with a CUDA device (a GPU format: Ultralytics traces the model in
half precision on the GPU; on a CPU it is skipped, saying so); int8 through ONNX Runtime's
static quantization (tasks/evaluate/int8.py), which runs on any CPU.

Every variant is scored by ONNX Runtime. The `onnxruntime` package installed is the CPU build:
it has no CUDA provider, and Ultralytics, asked to score an ONNX file on a CUDA device, would
try to install `onnxruntime-gpu` (refused offline) and fall back to the CPU with a warning, so
its speed figures would be CPU figures under a CUDA device's name. The check asks ONNX Runtime
which providers it has, scores on the CPU outright when CUDA's is missing, and records where each
variant was scored (`scored_on`: device and provider) and why. FP16 ONNX runs on the CPU provider
(checked with ONNX Runtime 1.32: float16 inputs and outputs, as a GPU export has), so its accuracy
cost is measured either way; only its speed needs `onnxruntime-gpu`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Literal

from tasks.core import PreparedDataset, list_images, quiet_ultralytics, track
from tasks.evaluate.int8 import quantize_int8

Precision = Literal["fp32", "fp16", "int8"]


def export_variants(onnx: bool, half: bool, int8: bool, device: str) -> tuple[dict[str, Precision], dict[str, str]]:
    """Which ONNX variants (name -> precision) to build on `device`, and why any other one is skipped."""
    if not onnx:
        return {}, {"onnx": "evaluate.export.onnx is false"}
    variants: dict[str, Precision] = {"onnx": "fp32"}
    skipped = {}
    if half and device not in ("cpu", "mps"):
        variants["onnx_half"] = "fp16"
    else:
        why = f"FP16 ONNX is a GPU format, exported and scored only where a CUDA device is used; this run uses {device}"
        skipped["onnx_half"] = why if half else "evaluate.export.half is false"
    if int8:
        variants["onnx_int8"] = "int8"
    else:
        skipped["onnx_int8"] = "evaluate.export.int8 is false"
    return variants, skipped


def onnx_scoring_device(device: str) -> dict[str, str]:
    """Where ONNX Runtime scores an exported model when the run uses `device`: the device, its provider, and why."""
    import onnxruntime

    if device in ("cpu", "mps"):
        return {"device": "cpu", "provider": "CPUExecutionProvider", "why": f"this run uses {device}"}
    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        return {"device": device, "provider": "CUDAExecutionProvider", "why": f"this run uses CUDA device {device}"}
    why = (
        f"this run uses CUDA device {device}, but ONNX Runtime {onnxruntime.__version__} here has no CUDA provider "
        "(the onnxruntime CPU build is installed; onnxruntime-gpu scores on the GPU): scored on the CPU, "
        "so the exports' ms are CPU figures"
    )
    return {"device": "cpu", "provider": "CPUExecutionProvider", "why": why}


def calibration_images(dataset: PreparedDataset, count: int) -> list[Path]:
    """Up to `count` validation images spread over every val split (never test images)."""
    images = [p for split, folder in dataset.split_dirs().items() if split.endswith("val") for p in list_images(folder)]
    step = max(1, len(images) // count) if count else 1
    return images[::step][:count]


def export_onnx(weights: Path, folder: Path, imgsz: int, precision: Precision, device: str, calibration: list[Path]):
    """One ONNX file of the requested precision in `folder`."""
    from ultralytics import YOLO

    folder.mkdir(parents=True, exist_ok=True)
    source = Path(shutil.copy2(weights, folder / "weights.pt"))
    # Ultralytics 8.4 folds `half`/`int8` into `quantize` (and warns on either, even when False): FP16 is 16
    args = {"format": "onnx", "imgsz": imgsz, "dynamic": True, "simplify": True, "device": device}
    exported = Path(YOLO(str(source)).export(**args, **({"quantize": 16} if precision == "fp16" else {})))
    if precision == "int8":
        return quantize_int8(exported, calibration, imgsz, folder / "weights_int8.onnx")
    return exported


def export_and_score(
    weights: Path,
    data_yaml: Path,
    args: dict[str, Any],
    device: str,
    work: Path,
    variants: dict[str, Precision],
    calibration: list[Path],
) -> dict[str, dict[str, Any]]:
    """Export each variant on `device` and validate it on `data_yaml` where ONNX Runtime can run it; mAP, size,
    seconds and where it was scored, each."""
    quiet_ultralytics()
    from ultralytics import YOLO

    results = {}
    scoring = onnx_scoring_device(device) if variants else {}
    for name, precision in track(list(variants.items()), "export check", unit="variants"):
        started = time.perf_counter()
        exported = export_onnx(weights, work / name, args["imgsz"], precision, device, calibration)
        export_s = time.perf_counter() - started
        metrics = YOLO(str(exported), task="detect").val(
            data=str(data_yaml),
            device=scoring["device"],
            plots=False,
            verbose=False,
            project=str(work / name),
            name="val",
            **args,
        )
        results[name] = {
            "precision": precision,
            "map50": float(metrics.box.map50),
            "map50_95": float(metrics.box.map),
            "file_bytes": exported.stat().st_size,
            "export_s": round(export_s, 2),
            "val_s": round(time.perf_counter() - started - export_s, 2),
            "speed_ms": {k: float(v) for k, v in metrics.speed.items()},
            "scored_on": scoring,
        }
    return results


def export_cost(results: dict[str, dict[str, Any]], map50_95: float, map50: float) -> dict[str, dict[str, Any]]:
    """Each variant's mAP minus the PyTorch model's (negative: the export costs accuracy)."""
    return {
        name: {**row, "map50_95_cost": row["map50_95"] - map50_95, "map50_cost": row["map50"] - map50}
        for name, row in results.items()
    }
