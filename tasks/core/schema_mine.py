"""Params of mining and the oracle loop."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from tasks.core.schema_base import Section
from tasks.core.schema_fit import UltralyticsArgs


class ConsistencyParams(Section):
    """Views of each pool image whose predictions are compared with the original's (CALD-like)."""

    flip: bool = True
    scales: list[float] = Field(default_factory=lambda: [0.75])
    shortlist: int = Field(3, ge=1)  # views run on the top shortlist * k images by least confidence + entropy

    @field_validator("scales")
    @classmethod
    def _scales(cls, value: list[float]) -> list[float]:
        if any(not 0.25 <= s < 1.0 for s in value):
            raise ValueError("each scale must be in [0.25, 1): the image shrinks inside the same canvas")
        return value


class ScoreWeights(Section):
    least_confidence: float = Field(1.0, ge=0)
    entropy: float = Field(1.0, ge=0)
    consistency: float = Field(1.0, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> ScoreWeights:
        if self.least_confidence + self.entropy + self.consistency <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


STRATEGIES = ("random", "uncertainty", "diversity", "hybrid")
Strategy = Literal["random", "uncertainty", "diversity", "hybrid"]


class RayParams(Section):
    """Pool scoring sharded over Ray actors (`mine.engine: ray`), one per GPU by default."""

    address: str | None = None  # None: this process's Ray session, else $RAY_ADDRESS, else a new local one
    workers: int = Field(0, ge=0)  # 0: as many as the cluster's GPUs (or CPUs) allow at the sizes below
    gpus_per_worker: float = Field(1.0, ge=0)  # 0 scores on CPU actors (a cluster without GPUs)
    cpus_per_worker: float = Field(1.0, gt=0)


class MineParams(Section):
    """The mine stage; `strategy`, `shortlist` and `cold_start` say how a batch is picked (tasks/mine/strategies.py)."""

    engine: Literal["local", "ray"] = "local"  # ray: pool scoring on Ray actors; same scores, same batch
    ray: RayParams = RayParams()
    strategy: Strategy = "uncertainty"
    shortlist: int = Field(3, ge=1)  # hybrid: the diverse pick runs inside the top shortlist * k by mining score
    cold_start: float = Field(0.1, ge=0, le=1)  # val mAP50-95 below this: uncertainty and hybrid pick by diversity
    imgsz: int = Field(160, ge=32, le=4096)
    batch: int = Field(32, ge=1)
    model: Literal["train", "transfer"] = "train"
    round: int = Field(1, ge=1)
    k: int = Field(20, ge=1)
    conf: float = Field(0.05, gt=0, lt=1)
    draft_conf: float = Field(0.25, gt=0, lt=1)
    iou: float = Field(0.7, gt=0, lt=1)
    consistency: ConsistencyParams = ConsistencyParams()
    weights: ScoreWeights = ScoreWeights()
    uniqueness_weight: float = Field(0.2, ge=0)
    near_duplicate: float = Field(0.98, gt=0, le=1)
    class_balance: bool = True
    low_confidence: float = Field(0.4, gt=0, lt=1)
    fiftyone_dataset: str = Field("yoloop", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    audit_share: float = Field(0.0, ge=0, le=1)  # share of k given to the top label-mistake images (stage audit)

    _stride = field_validator("imgsz")(UltralyticsArgs._stride.__func__)


class ActiveLearningParams(Section):
    """The oracle loop (`yoloop active-learning`): rounds, batch size, and how each round trains."""

    rounds: int = Field(3, ge=1)
    batch: int = Field(20, ge=1)  # images labelled per round and arm
    seed_images: int = Field(60, ge=2)  # labelled train images the loop starts from
    epochs: int = Field(30, ge=1)  # a training from scratch (the seed model, and every `retrain_every` rounds)
    transfer_epochs: int = Field(10, ge=1)  # a round that fine-tunes the previous round's model
    retrain_every: int = Field(0, ge=0)  # 0: every round transfers from the previous one
    arms: list[Strategy] = Field(default_factory=lambda: list(STRATEGIES), min_length=1)  # mine.strategy names
    repeats: int = Field(3, ge=1)  # each repeat draws another seed set; all arms of a repeat share it and its model
    pool_images: int = Field(0, ge=0)  # 0: the whole pool; else a sample of this many per repeat (shared by its arms)
    val_images: int = Field(0, ge=0)  # 0: the whole val split; else a sample per repeat (validation during training)

    @field_validator("arms")
    @classmethod
    def _distinct_arms(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"arms repeat: {value}")
        return value
