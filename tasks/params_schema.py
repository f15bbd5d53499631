"""The shape of params.yaml: one model per section, unknown keys forbidden.

Keys that are Ultralytics arguments keep Ultralytics' names (`epochs`, `imgsz`,
`batch`, `lr0`, ...) and pass straight through; `ultralytics:` holds any other
Ultralytics argument, checked against Ultralytics' own list.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

# Arguments yoloop sets itself; a user changes them through the keys of their own.
RESERVED_ULTRALYTICS_ARGS = {"data", "model", "device", "project", "name", "exist_ok", "seed", "mode", "task"}


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


# --- imported datasets (issue 3): `yoloop import` and `prepare.source: datasets` ---
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


# --- transfer (issue 4) ---
class TransferParams(FitArgs):
    """Start from a model and train on (some of) the prepared data; see tasks/transfer.py."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    yoloop_keys: ClassVar[set[str]] = {"source", "strategy", "freeze", "data", "replay", "retrain_every", "ultralytics"}

    source: str = Field("train", alias="from")  # a stage, models:/<name>@<alias>, models:/<name>/<version>, or a .pt
    strategy: Literal["full", "freeze_backbone", "head_only"] = "full"
    freeze: int = Field(10, ge=1)  # freeze_backbone: the first `freeze` layers (yolov8n's backbone is 0-9)
    data: Literal["new_only", "all", "replay"] = "all"
    replay: float = Field(0.25, gt=0, le=1)  # data: replay mixes in this fraction of the old training images
    retrain_every: int = Field(3, ge=0)  # a full retrain from scratch every N transfers in a row; 0: never
    epochs: int = Field(10, ge=1)
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


class ForgettingParams(Section):
    tolerance: float = Field(0.05, ge=0, le=1)  # largest allowed drop of an old class's mAP50-95 (absolute)
    reference: Literal["train", "transfer"] = "train"  # evaluate compares the old classes with this stage's model


class EconomicsParams(Section):
    price_per_device_hour: float = Field(2.0, ge=0)  # what one device-hour costs (any currency)
    quality_floor: float = Field(0.95, gt=0, le=1)  # transfer must reach this share of scratch-on-all mAP50-95


class PromotionRule(Section):
    """When a new model replaces the champion: every part must pass (see tasks/promote.py)."""

    min_gain: float = Field(0.0, ge=-1, le=1)  # the CI lower bound of the mAP50-95 gain must reach this
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

    @field_validator("models")
    @classmethod
    def _model_files(cls, value: list[str]) -> list[str]:
        for name in value:
            TrainParams._model_file(name)
        if len(set(value)) != len(value):
            raise ValueError(f"models repeat: {value}")
        return value


# --- mine (issue 6): score the unlabelled pool, pick a relabel batch, index everything in FiftyOne ---


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


class MineParams(Section):
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

    _stride = field_validator("imgsz")(UltralyticsArgs._stride.__func__)


class ActiveLearningParams(Section):
    """The oracle loop (`yoloop active-learning`): rounds, batch size, and how each round trains."""

    rounds: int = Field(3, ge=1)
    batch: int = Field(20, ge=1)  # images labelled per round and arm
    seed_images: int = Field(60, ge=2)  # labelled train images the loop starts from
    epochs: int = Field(30, ge=1)  # a training from scratch (the seed model, and every `retrain_every` rounds)
    transfer_epochs: int = Field(10, ge=1)  # a round that fine-tunes the previous round's model
    retrain_every: int = Field(0, ge=0)  # 0: every round transfers from the previous one
    arms: list[Literal["mined", "random"]] = Field(default_factory=lambda: ["mined", "random"], min_length=1)


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
