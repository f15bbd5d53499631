"""The files that cross stages, each a pydantic model with one reader and one writer, and the table of them all.

A file one stage (or command) writes and another reads is read only through its reader, which names
the file and the field of any problem (exit 2; tasks/core/contract_io.py says how). Here: the raw
import's manifest, the model card and the prepared dataset's card; the relabel round's files are in
tasks/core/contracts_rounds.py and the audit's reports in tasks/core/contracts_audit.py.
`FILE_CONTRACTS` lists them all, by the path a user sees (the reference page is generated from it).

Files left as plain JSON, since no other stage reads them: the import's report.json and stats.json,
data/prepared/left_out.json (read back only by the economics study, as a table it prints), the
metrics/ files (DVC metrics: figures, read by DVC and the loop page), reports/mine (what the mine stage
scored, read back into the FiftyOne index by the same stage, or by `yoloop app`) and
reports/evaluate/decision.json; and files in a tool's own format (the Label Studio tasks and export).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.core.contract_io import Contract, Part, read_contract, write_contract
from tasks.core.contracts_audit import AuditBoxes, AuditImages, AuditPredictions
from tasks.core.contracts_rounds import LabelRound, RelabelBatch

RAW_MANIFEST = "manifest.json"
MODEL_CARD = "card.json"
DATASET_CARD = "dataset.json"


class RawEntry(Part):
    """One image of an imported copy: where it came from, its hashes and size, its split and boxes."""

    file: str
    """Its path in the copy: `images/<split>/<name>`."""
    source: str
    """Its path in the source (or where it came from: a video's frame)."""
    sha256: str
    """Of the file in the copy: the same picture twice is the same bytes."""
    dhash: str
    """Difference hash (hex): near-identical pictures are a few bits apart."""
    phash: str = ""
    """Perceptual hash (hex); "" in manifests written before it was kept."""
    width: int
    height: int
    split: str
    """train, val, test (as its source split it), or pool (an unlabelled import)."""
    boxes: list[tuple[int, float, float, float, float]]
    """Class id (of `names`), x, y, w, h (YOLO: centre and size, fractions of the image)."""
    group: str | None = None
    """Copies of one photo (Roboflow's augmentations) share a group."""
    origin: str | None = None
    """Where it came from when not a file of the source (a video frame)."""


class RawManifest(Contract):
    """`data/raw/<name>/manifest.json`: what `yoloop import` copied, per image; read by the prepare stage (and by
    later imports, which leave the pictures of labelled sets out of a pool)."""

    source: str
    """The folder imported."""
    format: str
    """The layout it was read in (yolo, voc, coco, ...), or unlabelled (photos without boxes, for the pool)."""
    names: list[str]
    """The dataset's classes, in the order of its class ids."""
    images: list[RawEntry]
    """The images copied (quarantined ones are in report.json, not here)."""


class ModelCard(Contract):
    """`models/<stage>/card.json`: the class names of the model beside it, how it was made, where it was registered.

    Written by the train and transfer stages; read by transfer (the lineage), evaluate (the names, the
    registered version), mine and the registry. Keys beyond these are kept as they are: training
    describes its start freely (a new kind of start adds its own)."""

    model_config = ConfigDict(extra="allow")

    names: list[str]
    """The model's classes, in the order of its class ids."""
    stage: str | None = None
    """The stage that published it."""
    start: str | None = None
    """The model yaml or checkpoint training started from."""
    data: str | None = None
    """The subset of the prepared dataset it trained on (base, new, all)."""
    transfers_since_scratch: int = 0
    """Transfers in a row since a training from scratch (`transfer.retrain_every` counts them)."""
    transferred_from: str | None = Field(None, alias="from")
    """Transfer: where its start came from (a stage, a registry version, a .pt file)."""
    strategy: str | None = None
    """Transfer: how it was fine-tuned (full, backbone, head)."""
    plan: Literal["transfer", "retrain"] | None = None
    """Transfer: whether the stage transferred or retrained from scratch."""
    carried_classes: list[str] | None = None
    """Transfer: the classes whose head weights came from the start."""
    frozen_layers: list[int] | None = None
    """Transfer: the layers kept frozen."""
    mlflow_run_id: str | None = None
    """The MLflow run that trained it."""
    registered_model: str | None = None
    """The registered model it is a version of (cards written before it was kept: the current name)."""
    model_version: str | None = None
    """Its version under `registered_model`."""

    @field_validator("model_version", mode="before")
    @classmethod
    def version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ClassStats(Part):
    instances: int
    """Its boxes."""
    images: int
    """Images with at least one of its boxes."""
    sizes: dict[str, int]
    """Its boxes by size: small, medium, large (by area)."""


class SplitStats(Part):
    images: int
    backgrounds: int
    """Images without a box."""
    classes: dict[str, ClassStats]


class DatasetClasses(Part):
    base: list[str]
    """The classes a model trained on `base` knows: label ids 0 .. len(base) - 1."""
    new: list[str]
    """The classes added after them (transfer learns them): the next label ids."""


class DatasetCard(Contract):
    """`data/prepared/dataset.json`: the class lists that the label ids of data/prepared refer to (base, then new),
    and what each split holds. Written by the prepare stage; read by every stage after it."""

    classes: DatasetClasses
    """The class lists: label id i is (base + new)[i]."""
    splits: dict[str, SplitStats] = {}
    """Per split (base/train, base/val, new/train, new/val, test): images, backgrounds, boxes per class."""


def read_raw_manifest(folder: Path) -> RawManifest:
    return read_contract(folder / RAW_MANIFEST, RawManifest, f"import it (`yoloop import SOURCE --name {folder.name}`)")


def write_raw_manifest(folder: Path, manifest: RawManifest) -> None:
    write_contract(folder / RAW_MANIFEST, manifest)


def read_model_card(stage_dir: Path, required: bool = True) -> ModelCard | None:
    """The card of models/<stage>; when it is missing, an InputError naming the stage to run (or None)."""
    if not required and not (stage_dir / MODEL_CARD).exists():
        return None
    stage = stage_dir.name
    return read_contract(stage_dir / MODEL_CARD, ModelCard, f"run the {stage} stage first (dvc repro {stage})")


def write_model_card(stage_dir: Path, card: ModelCard) -> None:
    write_contract(stage_dir / MODEL_CARD, card)


def read_dataset_card(root: Path, required: bool = True) -> DatasetCard | None:
    """data/prepared's card; when it is missing, an InputError saying to run prepare (or None)."""
    if not required and not (root / DATASET_CARD).exists():
        return None
    return read_contract(root / DATASET_CARD, DatasetCard, "run the prepare stage first (dvc repro prepare)")


def write_dataset_card(root: Path, card: DatasetCard) -> None:
    write_contract(root / DATASET_CARD, card)


# Every file that crosses stages, by its path as a user sees it: the reference page is generated from this table.
FILE_CONTRACTS: dict[str, type[BaseModel]] = {
    "data/raw/<name>/manifest.json": RawManifest,
    "data/prepared/dataset.json": DatasetCard,
    "models/<stage>/card.json": ModelCard,
    "reports/audit/images.json": AuditImages,
    "reports/audit/boxes.json": AuditBoxes,
    "reports/audit/predictions.json": AuditPredictions,
    "data/relabel/round-<N>/batch.json": RelabelBatch,
    "data/labels/round-<N>/manifest.json": LabelRound,
}
