"""The shape of params.yaml: one model per section, unknown keys forbidden.

Keys that are Ultralytics arguments keep Ultralytics' names (`epochs`, `imgsz`,
`batch`, `lr0`, ...) and pass straight through; `ultralytics:` holds any other
Ultralytics argument, checked against Ultralytics' own list. The sections live in
schema_data (prepare, imports), schema_fit (train, transfer), schema_evaluate
(evaluate, forgetting, economics, architectures), schema_mine (mine, active learning) and
schema_audit (audit).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from tasks.core.schema_audit import AuditParams
from tasks.core.schema_base import Section
from tasks.core.schema_data import ImportParams, PrepareParams
from tasks.core.schema_evaluate import ArchitecturesParams, EconomicsParams, EvaluateParams, ForgettingParams
from tasks.core.schema_fit import TrainParams, TransferParams
from tasks.core.schema_mine import ActiveLearningParams, MineParams


class ProjectParams(Section):
    device: str = "auto"
    seed: int = 0

    @field_validator("device", mode="before")
    @classmethod
    def _device(cls, value: Any) -> str:
        text = str(value).strip().lower()
        if not re.fullmatch(r"auto|cpu|mps|cuda|\d+(,\d+)*", text):
            raise ValueError("must be auto, cpu, mps, or CUDA device ids such as 0 or 0,1")
        return text


class TrackingParams(Section):
    """Names in MLflow; the server itself is $MLFLOW_TRACKING_URI (a machine's setting, not a param)."""

    experiment: str = Field("yoloop", min_length=1)
    registered_model: str = Field("yoloop-detector", min_length=1)


class Params(Section):
    project: ProjectParams = ProjectParams()
    tracking: TrackingParams = TrackingParams()
    prepare: PrepareParams
    train: TrainParams
    evaluate: EvaluateParams = EvaluateParams()
    imports: ImportParams = ImportParams()
    transfer: TransferParams = TransferParams()
    forgetting: ForgettingParams = ForgettingParams()
    economics: EconomicsParams = EconomicsParams()
    architectures: ArchitecturesParams = ArchitecturesParams()
    mine: MineParams = MineParams()
    active_learning: ActiveLearningParams = ActiveLearningParams()
    audit: AuditParams = AuditParams()
