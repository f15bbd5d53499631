"""Params of the data (the built-in generator, imports, how `prepare` merges imported sets), and `Section`, the
base of every section of params.yaml (tasks/core/schema.py holds the others and `Params`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_range(pair: tuple, low: float, high: float) -> tuple:
    if not low <= pair[0] <= pair[1] <= high:
        raise ValueError(f"must be [min, max] with {low} <= min <= max <= {high}")
    return pair


def _check_class_names(names: list[str]) -> list[str]:
    for name in names:
        if not name or name != name.strip():
            raise ValueError(f"class name {name!r} is empty or has leading or trailing whitespace")
    if len(set(names)) != len(names):
        raise ValueError(f"class names repeat: {names}")
    return names


class ClassSets(Section):
    base: list[str] = Field(min_length=1)
    new: list[str] = Field(default_factory=list)

    @field_validator("base", "new")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        return _check_class_names(value)

    @model_validator(mode="after")
    def _disjoint(self) -> ClassSets:
        both = set(self.base) & set(self.new)
        if both:
            raise ValueError(f"classes {sorted(both)} are both base and new")
        return self

    @property
    def all(self) -> list[str]:
        return self.base + self.new


class BuiltinSplits(Section):
    base_train: int = Field(ge=1)
    base_val: int = Field(ge=1)
    new_train: int = Field(ge=1)
    new_val: int = Field(ge=1)
    test: int = Field(ge=1)
    pool: int = Field(ge=0)


class BuiltinParams(Section):
    image_size: int = Field(160, ge=32, le=1280)
    images: BuiltinSplits
    objects_per_image: tuple[int, int] = (1, 4)
    clutter_per_image: tuple[int, int] = (2, 8)
    object_scale: tuple[float, float] = (0.12, 0.4)
    max_occlusion: float = Field(0.35, ge=0.0, lt=1.0)

    @field_validator("objects_per_image")
    @classmethod
    def _objects(cls, value: tuple[int, int]) -> tuple[int, int]:
        return _check_range(value, 1, 50)

    @field_validator("clutter_per_image")
    @classmethod
    def _clutter(cls, value: tuple[int, int]) -> tuple[int, int]:
        return _check_range(value, 0, 100)

    @field_validator("object_scale")
    @classmethod
    def _scale(cls, value: tuple[float, float]) -> tuple[float, float]:
        return _check_range(value, 0.02, 0.9)


# --- imported datasets: `yoloop import` and `prepare.source: datasets` ---
class ImportParams(Section):
    """How bad input is handled: strict stops listing every finding; lenient quarantines and goes on.

    Lenient sets files aside, never a whole split: a split the source declares that imports no image stops
    the import under both policies, unless `optional_splits` names it (Roboflow's data.yaml names a test
    split whether or not the export made one)."""

    policy: Literal["strict", "lenient"] = "lenient"
    imbalance_ratio: float = Field(10.0, gt=1)  # warn when the largest class outnumbers the smallest by more
    optional_splits: list[Literal["train", "val", "test"]] = Field(default_factory=list)  # may import no image
    near_duplicates: bool = True  # look for near-identical pictures across splits (import, prepare, resplit)
    near_duplicate_bits: int = Field(4, ge=0, le=32)  # dHash bits that may differ for "near-identical" ...
    near_duplicate_phash_bits: int = Field(12, ge=0, le=32)  # ... and pHash bits (tasks/data/near_duplicates.py)
    max_leak_share: float = Field(0.1, ge=0, le=1)  # prepare stops when more of a val or test split leaks
    agreement_iou: float = Field(0.9, gt=0, le=1)  # two label sets: paired boxes below this IoU differ
    video_fps: float = Field(1.0, gt=0, le=120)  # unlabelled imports: frames taken per second of video (--fps)
    frame_duplicate_bits: int = Field(4, ge=0, le=64)  # a frame this close (dHash) to the last one kept is dropped

    @field_validator("optional_splits")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"name each split once; got {value}")
        return value


class DatasetRef(Section):
    """One imported dataset (data/raw/<name>) and which of its splits feed which prepared split."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    splits: dict[Literal["train", "val", "test"], Literal["train", "val", "test"]] = Field(
        default_factory=lambda: {"train": "train", "val": "val", "test": "test"}
    )


class ResplitParams(Section):
    """Fractions for a deterministic re-split by content hash (the same image always lands in the same split)."""

    val: float = Field(0.15, ge=0, lt=1)
    test: float = Field(0.15, ge=0, lt=1)

    @model_validator(mode="after")
    def _room_for_train(self) -> ResplitParams:
        if self.val + self.test >= 1:
            raise ValueError("val + test must leave room for train (sum below 1)")
        return self


class OracleParams(Section):
    """Withhold the labels of a seeded, hash-stable share of one prepared split: its images become the pool,
    its labels the oracle's truth (data/oracle/labels), as the built-in source does with its pool."""

    split: Literal["train", "val", "test"] = "train"
    share: float = Field(gt=0, lt=1)


class PrepareParams(Section):
    source: Literal["builtin", "datasets"] = "builtin"
    seed: int = 7
    classes: ClassSets
    builtin: BuiltinParams
    datasets: list[DatasetRef] = Field(default_factory=list, validate_default=True)  # read when source: datasets
    resplit: ResplitParams | None = None  # None: keep each dataset's own splits
    pool: list[str] = Field(default_factory=list)  # unlabelled imports (yoloop import DIR --unlabelled) -> data/pool
    oracle: OracleParams | None = None  # a labelled split's share withheld as pool + oracle (benchmarks)

    @field_validator("datasets")
    @classmethod
    def _datasets_named(cls, value: list[DatasetRef], info: ValidationInfo) -> list[DatasetRef]:
        if info.data.get("source") == "datasets" and not value:
            raise ValueError("source is datasets: name at least one imported dataset here")
        return value

    @field_validator("pool")
    @classmethod
    def _pool_names(cls, value: list[str]) -> list[str]:
        bad = [n for n in value if not re.fullmatch(r"[A-Za-z0-9_.-]+", n)]
        if bad or len(set(value)) != len(value):
            raise ValueError(f"names of unlabelled imports (data/raw/NAME), each once; got {value}")
        return value

    @model_validator(mode="after")
    def _one_pool(self) -> PrepareParams:
        """The pool comes from one place: unlabelled photos (pool) or withheld labels (oracle), never both, since
        the oracle could not reveal labels for photos nobody labelled; the built-in source generates its own."""
        if self.pool and self.oracle:
            raise ValueError(
                "pool and oracle cannot both be set: oracle withholds labels of a prepared split to make the pool "
                "(a simulated labeller reveals them), pool brings unlabelled photos that no oracle can label"
            )
        if self.source == "builtin" and (self.pool or self.oracle):
            raise ValueError("pool and oracle are read with source: datasets (the built-in source generates its pool)")
        return self
