"""Params of evaluation and the studies: promotion, exports, forgetting, economics, architectures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from tasks.core.schema_base import Section
from tasks.core.schema_fit import TrainParams, UltralyticsArgs


class ForgettingParams(Section):
    tolerance: float = Field(0.05, ge=0, le=1)  # largest allowed drop of an old class's mAP50-95 (absolute)
    reference: Literal["train", "transfer"] = "train"  # evaluate compares the old classes with this stage's model


class EconomicsParams(Section):
    price_per_device_hour: float = Field(2.0, ge=0)  # what one device-hour costs (any currency)
    quality_floor: float = Field(0.95, gt=0, le=1)  # transfer must reach this share of scratch-on-all mAP50-95
    jobs: int = Field(1, ge=1, le=2)  # 2: D (scratch on all data) trains in a process of its own beside A, B, C


class PromotionRule(Section):
    """When a new model replaces the champion: every part must pass (see tasks/evaluate/promotion.py)."""

    min_gain: float = Field(0.001, ge=-1, le=1)  # the CI lower bound of the mAP50-95 gain must reach this
    max_latency_ratio: float = Field(1.5, gt=0)  # new / old ms per image (batch 1, pre + inference + post)
    max_class_regression: float = Field(0.05, ge=0, le=1)  # largest drop of any class's AP50-95


class ExportCheck(Section):
    """Export the model and score the exported file on the same test split."""

    onnx: bool = True
    half: bool = True  # FP16 ONNX, only where a CUDA device is used (skipped with a reason otherwise)
    int8: bool = True  # int8 ONNX by ONNX Runtime static quantization, calibrated on val images
    calibration_images: int = Field(32, ge=1)


class EvaluateParams(UltralyticsArgs):
    model: Literal["train", "transfer"] = "train"
    conf: float = Field(0.001, gt=0, lt=1)
    iou: float = Field(0.7, gt=0, lt=1)
    # The keys below are yoloop's, not Ultralytics' (flows/evaluate.py passes only the ones above on).
    operating_conf: float = Field(0.25, gt=0, lt=1)  # per-image TP/FP/FN and speed at this confidence
    speed_batch: int = Field(16, ge=1)  # the larger batch for ms per image (batch 1 is always measured)
    speed_images: int = Field(32, ge=1)  # test images timed at each batch size
    bootstrap: int = Field(1000, ge=10)  # resamples of test images for the champion comparison
    ci_level: float = Field(0.95, gt=0.5, lt=1)
    promotion: PromotionRule = PromotionRule()
    export: ExportCheck = ExportCheck()

    def ultralytics_args(self) -> dict[str, Any]:
        """The keys that are Ultralytics validator arguments."""
        return self.model_dump(include={"imgsz", "batch", "workers", "conf", "iou"})

    def predictor_args(self) -> dict[str, Any]:
        """Ultralytics predictor arguments for timing: as deployed, at the operating confidence."""
        return {"imgsz": self.imgsz, "conf": self.operating_conf, "iou": self.iou}


class ArchitecturesParams(Section):
    """`yoloop architectures`: candidate model yamls trained with the train section's settings (not in dvc repro)."""

    models: list[str] = Field(default_factory=lambda: ["yolov8n.yaml", "yolo11n.yaml", "yolov10n.yaml"], min_length=1)
    epochs: int | None = Field(None, ge=1)  # None: train.epochs
    data: Literal["base", "new", "all"] | None = None  # None: train.data

    @field_validator("models")
    @classmethod
    def _model_files(cls, value: list[str]) -> list[str]:
        for name in value:
            TrainParams._model_file(name)
        if len(set(value)) != len(value):
            raise ValueError(f"models repeat: {value}")
        return value
