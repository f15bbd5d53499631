"""Params of training: Ultralytics arguments shared by scratch runs and transfers."""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator

from tasks.core.schema_base import RESERVED_ULTRALYTICS_ARGS, Section


class UltralyticsArgs(Section):
    """Arguments passed to Ultralytics as they are."""

    imgsz: int = Field(160, ge=32, le=4096)
    batch: int = Field(16, ge=1)
    workers: int = Field(2, ge=0)

    @field_validator("imgsz")
    @classmethod
    def _stride(cls, value: int) -> int:
        if value % 32:
            raise ValueError("must be a multiple of 32 (the detector's largest stride)")
        return value


class FitArgs(UltralyticsArgs):
    """The training arguments a scratch run and a transfer share; `ultralytics:` holds any other."""

    # Keys of this section that yoloop reads itself; every other key goes to Ultralytics as it is.
    yoloop_keys: ClassVar[set[str]] = {"ultralytics"}

    epochs: int = Field(30, ge=1)
    patience: int = Field(100, ge=0)
    lr0: float = Field(0.01, gt=0, le=1)
    optimizer: Literal["auto", "SGD", "Adam", "AdamW", "NAdam", "RAdam", "RMSProp", "MuSGD"] = "auto"
    close_mosaic: int = Field(10, ge=0)
    ultralytics: dict[str, Any] = Field(default_factory=dict)

    @field_validator("ultralytics")
    @classmethod
    def _known_args(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            return value
        from ultralytics.cfg import DEFAULT_CFG_DICT

        for key in value:
            if key in RESERVED_ULTRALYTICS_ARGS or key in cls.model_fields:
                raise ValueError(f"'{key}' is set by yoloop or by its own key in this section, not here")
            if key not in DEFAULT_CFG_DICT:
                close = difflib.get_close_matches(key, list(DEFAULT_CFG_DICT), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"'{key}' is not an Ultralytics argument{hint}")
        return value


class TrainParams(FitArgs):
    yoloop_keys: ClassVar[set[str]] = {"model", "data", "ultralytics"}

    model: str = "yolov8n.yaml"
    data: Literal["base", "new", "all"] = "all"

    @field_validator("model")
    @classmethod
    def _model_file(cls, value: str) -> str:
        if not value.endswith((".yaml", ".yml", ".pt")):
            raise ValueError("must name a model yaml (such as yolov8n.yaml) or a .pt weights file")
        return value


# --- transfer ---
class TransferParams(FitArgs):
    """Start from a model and train on (some of) the prepared data; see tasks/train/transfer.py."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    yoloop_keys: ClassVar[set[str]] = {"source", "strategy", "freeze", "data", "replay", "retrain_every", "ultralytics"}

    source: str = Field("train", alias="from")  # a stage, models:/<name>@<alias>, models:/<name>/<version>, or a .pt
    strategy: Literal["full", "freeze_backbone", "head_only"] = "full"
    freeze: int = Field(10, ge=1)  # freeze_backbone: the first `freeze` layers (yolov8n's backbone is 0-9)
    data: Literal["new_only", "all", "replay"] = "all"
    replay: float = Field(0.25, gt=0, le=1)  # data: replay mixes in this fraction of the old training images
    retrain_every: int = Field(3, ge=0)  # a full retrain from scratch every N transfers in a row; 0: never
    epochs: int = Field(20, ge=1)
    warmup_epochs: float = Field(1.0, ge=0)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value.startswith("models:/"):
            if not re.fullmatch(r"models:/[^/@]+(@[\w-]+|/\d+)", value):
                raise ValueError("must be models:/<name>@<alias> or models:/<name>/<version>")
        elif not (value.endswith(".pt") or re.fullmatch(r"[a-z_]+", value)):
            raise ValueError("must be a stage name (such as train), models:/<name>@<alias>, or a .pt file")
        return value
