"""Does the exported model still detect what the PyTorch one did? Export, then score the file.

Ultralytics exports next to the weights it is given, so the weights are copied into a
scratch folder first (models/ is a DVC output and must not gain files). FP16 ONNX needs
a CUDA device for export; Ultralytics' ONNX export has no int8 mode (int8 goes through
TensorRT, OpenVINO or TFLite, none of which yoloop installs): both are reported as
skipped with that reason rather than silently left out.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from tasks.runtime import quiet_ultralytics

INT8_SKIPPED = "Ultralytics' ONNX export has no int8 mode; int8 needs TensorRT, OpenVINO or TFLite (not installed)"


def export_variants(half: bool, device: str) -> tuple[dict[str, bool], dict[str, str]]:
    """Which ONNX variants to build on `device`, and why any asked-for or possible one is skipped."""
    variants, skipped = {"onnx": False}, {"onnx_int8": INT8_SKIPPED}
    if half and device != "cpu" and device != "mps":
        variants["onnx_half"] = True
    elif half:
        skipped["onnx_half"] = f"FP16 ONNX export needs a CUDA device; this run uses {device}"
    return variants, skipped


def export_and_score(
    weights: Path, data_yaml: Path, args: dict[str, Any], device: str, work: Path, variants: dict[str, bool]
) -> dict[str, dict[str, Any]]:
    """Export each variant (name -> half) to ONNX and validate it on `data_yaml`; mAP, size and seconds each."""
    quiet_ultralytics()
    from ultralytics import YOLO

    results = {}
    for name, half in variants.items():
        folder = work / name
        folder.mkdir(parents=True, exist_ok=True)
        source = Path(shutil.copy2(weights, folder / "weights.pt"))
        started = time.perf_counter()
        exported = YOLO(str(source)).export(
            format="onnx", imgsz=args["imgsz"], half=half, dynamic=True, simplify=True, device=device
        )
        export_s = time.perf_counter() - started
        metrics = YOLO(exported, task="detect").val(
            data=str(data_yaml), device=device, plots=False, verbose=False, project=str(folder), name="val", **args
        )
        results[name] = {
            "half": half,
            "map50": float(metrics.box.map50),
            "map50_95": float(metrics.box.map),
            "file_bytes": Path(exported).stat().st_size,
            "export_s": round(export_s, 2),
            "val_s": round(time.perf_counter() - started - export_s, 2),
            "speed_ms": {k: float(v) for k, v in metrics.speed.items()},
        }
    return results


def export_cost(results: dict[str, dict[str, Any]], map50_95: float, map50: float) -> dict[str, dict[str, Any]]:
    """Each variant's mAP minus the PyTorch model's (negative: the export costs accuracy)."""
    return {
        name: {**row, "map50_95_cost": row["map50_95"] - map50_95, "map50_cost": row["map50"] - map50}
        for name, row in results.items()
    }
