"""Params of the data: the built-in generator, imports, and how `prepare` merges imported sets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from tasks.core.schema_base import Section, _check_class_names, _check_range


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
    """How bad input is handled: strict stops listing every finding; lenient quarantines and goes on."""

    policy: Literal["strict", "lenient"] = "lenient"
    imbalance_ratio: float = Field(10.0, gt=1)  # warn when the largest class outnumbers the smallest by more
    near_duplicates: bool = False  # also check splits for near-identical pictures (perceptual hash)
    near_duplicate_bits: int = Field(4, ge=0, le=32)  # dHash bits that may differ for "near-identical"


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


class PrepareParams(Section):
    source: Literal["builtin", "datasets"] = "builtin"
    seed: int = 7
    classes: ClassSets
    builtin: BuiltinParams
    datasets: list[DatasetRef] = Field(default_factory=list, validate_default=True)  # read when source: datasets
    resplit: ResplitParams | None = None  # None: keep each dataset's own splits

    @field_validator("datasets")
    @classmethod
    def _datasets_named(cls, value: list[DatasetRef], info: ValidationInfo) -> list[DatasetRef]:
        if info.data.get("source") == "datasets" and not value:
            raise ValueError("source is datasets: name at least one imported dataset here")
        return value
