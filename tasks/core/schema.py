"""The shape of params.yaml: one model per section, unknown keys forbidden.

Keys that are Ultralytics arguments keep Ultralytics' names (`epochs`, `imgsz`,
`batch`, `lr0`, ...) and pass straight through; `ultralytics:` holds any other
Ultralytics argument, checked against Ultralytics' own list. Here: training (train, transfer),
evaluation and the studies (evaluate, forgetting, economics, architectures, transfer modes), mining and the oracle
loop (mine, active learning), the audit, and `Params`, the whole file; the data's sections
(prepare, imports) are in tasks/core/schema_data.py.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from tasks.core.schema_data import ImportParams, PrepareParams, Section

REGISTERED_SPEC = re.compile(r"models:/[^/@]+(@[\w-]+|/\d+)")
ZOO_SPEC = re.compile(r"zoo:[A-Za-z0-9][\w.-]*")


def model_spec_problem(value: str, stages: bool) -> str | None:
    """Why `value` is no start model (None when it is one): a model yaml (scratch; not with `stages`), a .pt
    (a path, or a name Ultralytics publishes), `models:/<name>@<alias>`, `models:/<name>/<version>`, `zoo:<name>`,
    and with `stages` a stage name. Only the form is checked here; `yoloop check-params` looks for the file."""
    if value.startswith("models:/"):
        registered = REGISTERED_SPEC.fullmatch(value)
        return None if registered else "must be models:/<name>@<alias> or models:/<name>/<version>"
    if value.startswith("zoo:"):
        return None if ZOO_SPEC.fullmatch(value) else "must be zoo:<name> (letters, digits, _ . -)"
    if value.endswith(".pt") or (not stages and value.endswith((".yaml", ".yml"))):
        return None
    if stages and re.fullmatch(r"[a-z_]+", value):
        return None
    kinds = "a stage name (such as train), " if stages else "a model yaml (such as yolov8n.yaml), "
    return f"must be {kinds}a .pt file or Ultralytics name (yolo11n.pt), models:/<name>@<alias>, or zoo:<name>"


# Arguments yoloop sets itself; a user changes them through the keys of their own.
RESERVED_ULTRALYTICS_ARGS = {"data", "model", "device", "project", "name", "exist_ok", "seed", "mode", "task"}


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
    patience: int = Field(10, ge=0)  # early stopping after this many epochs without progress on val; 0: off
    optimizer: Literal["auto", "SGD", "Adam", "AdamW", "NAdam", "RAdam", "RMSProp", "MuSGD"] = "auto"
    lr0: float | None = Field(None, gt=0, le=1)  # only with a named optimizer: `auto` chooses its own
    close_mosaic: int = Field(10, ge=0)
    # Augmentation (Ultralytics' defaults): colour, flips, geometry, and the mosaic and mixup of several images.
    hsv_h: float = Field(0.015, ge=0, le=1)
    hsv_s: float = Field(0.7, ge=0, le=1)
    hsv_v: float = Field(0.4, ge=0, le=1)
    fliplr: float = Field(0.5, ge=0, le=1)
    flipud: float = Field(0.0, ge=0, le=1)
    degrees: float = Field(0.0, ge=0, le=180)
    translate: float = Field(0.1, ge=0, le=1)
    scale: float = Field(0.5, ge=0, le=1)
    mosaic: float = Field(1.0, ge=0, le=1)
    mixup: float = Field(0.0, ge=0, le=1)
    ultralytics: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_key_acts(self) -> FitArgs:
        """Refuse what Ultralytics would silently ignore: an optimizer setting under `optimizer: auto` (it picks
        the optimizer, lr0 and momentum itself)."""
        ignored = [k for k in ("lr0", "momentum") if getattr(self, k, None) is not None or k in self.ultralytics]
        if self.optimizer == "auto" and ignored:
            raise ValueError(
                f"{' and '.join(ignored)}: ignored with optimizer: auto, which chooses its own;"
                " name an optimizer (such as SGD or AdamW) or remove it"
            )
        return self

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

    model: str = "yolov8n.yaml"  # a start model: see `model_spec_problem` (tasks/train/model_spec.py resolves it)
    data: Literal["base", "new", "all"] = "all"

    @field_validator("model")
    @classmethod
    def _model_file(cls, value: str) -> str:
        problem = model_spec_problem(value, stages=False)
        if problem:
            raise ValueError(problem)
        return value


# --- transfer ---
class TransferParams(FitArgs):
    """Start from a model and train on (some of) the prepared data; see tasks/train/transfer.py."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    yoloop_keys: ClassVar[set[str]] = {"source", "strategy", "freeze", "data", "replay", "retrain_every", "ultralytics"}

    source: str = Field("train", alias="from")  # a stage, a .pt, an Ultralytics name, models:/..., or zoo:<name>
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
        problem = model_spec_problem(value, stages=True)
        if problem:
            raise ValueError(problem)
        return value


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
            if not name.endswith((".yaml", ".yml", ".pt")):
                raise ValueError(f"{name}: must name a model yaml (such as yolov8n.yaml) or a .pt weights file")
        if len(set(value)) != len(value):
            raise ValueError(f"models repeat: {value}")
        return value


class TransferModesParams(Section):
    """`yoloop transfer-modes`: full, freeze_backbone and head_only from transfer.from on nested shares of the train
    split (not in dvc repro)."""

    fractions: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0], min_length=1)  # shares of the train split
    epochs: int | None = Field(None, ge=1)  # None: transfer.epochs

    @field_validator("fractions")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(not 0 < share <= 1 for share in value):
            raise ValueError(f"each fraction must be above 0 and at most 1, got {value}")
        if len(set(value)) != len(value):
            raise ValueError(f"fractions repeat: {value}")
        return sorted(value)


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


class AuditParams(Section):
    """K models, each trained on the other folds with the train stage's settings, predict the held-out fold.

    `confident` and `match_iou` decide which library scores become a reason a labeller reads
    (tasks/audit/reasons.py); `confident` is also cleanlab's probability threshold for swapped,
    overlooked and badly located boxes (its own default suits calibrated large detectors; a small YOLO
    trained on little data is rarely that sure of an image it never saw).
    """

    folds: int = Field(3, ge=2, le=10)  # K: every labelled train image is held out in exactly one fold
    data: Literal["base", "new", "all"] = "all"  # whose train splits are audited (and train the fold models)
    epochs: int | None = Field(None, ge=1)  # null: train.epochs (the fold models train like the train stage)
    conf: float = Field(0.05, gt=0, lt=1)  # out-of-fold detections kept at or above this confidence
    iou: float = Field(0.7, gt=0, lt=1)  # NMS IoU of those detections
    confident: float = Field(0.5, gt=0, lt=1)  # a prediction at or above this counts as the model's opinion
    match_iou: float = Field(0.5, gt=0, lt=1)  # a box and a prediction at or above this IoU are the same object
    report_rows: int = Field(50, ge=1)  # suspects listed in reports/audit/report.md


class ProjectParams(Section):
    device: str = "auto"
    seed: int = 0
    # never: nothing is fetched at run time; named: a model the params name by its Ultralytics name (yolo11n.pt) and
    # that is not on this machine is downloaded once, from Ultralytics' GitHub release assets, into its weights folder
    downloads: Literal["never", "named"] = "never"
    zoo_dir: str = Field("~/.cache/yoloop/zoo", min_length=1)  # zoo:<name> is <zoo_dir>/<name>.pt and <name>.json

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
    transfer_modes: TransferModesParams = TransferModesParams()
    mine: MineParams = MineParams()
    active_learning: ActiveLearningParams = ActiveLearningParams()
    audit: AuditParams = AuditParams()
