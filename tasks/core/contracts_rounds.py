"""The files of a relabel round: the batch the mine stage hands out, and the labels `yoloop labels import` takes back.

data/relabel/round-N/batch.json (`RelabelBatch`): written by the mine stage (tasks/mine/relabel_export.py);
read by `yoloop relabel push|pull` (Label Studio), `yoloop labels import`, the next mine round (images
handed out are never chosen again), the FiftyOne index (`relabel-round-N` tags) and the loop page. Until
it had a name of its own it was manifest.json, like the raw import's: a batch handed out before the
rename still reads from there, and so does a returned folder holding one (a labeller may send it back).
`yoloop relabel pull` puts a copy of the batch's file in the folder it pulls into, so the labels import
knows the round.

data/labels/round-N/manifest.json (`LabelRound`): written by `yoloop labels import`
(tasks/labelling/labels_import.py): the batch's entries of the images whose labels came back; read by the
prepare stage (an audit image's labels are corrected in place), the next mine round and the index
(`labelled-round-N` tags).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import JsonValue, model_validator

from tasks.core.contract_io import Contract, Part, read_contract, write_contract
from tasks.core.contracts_audit import AuditSuspect

BATCH_FILE = "batch.json"
LEGACY_BATCH_FILE = "manifest.json"  # a batch handed out before batch.json had its name
LABEL_ROUND_FILE = "manifest.json"


class BatchEntry(Part):
    """One image of a batch: its key, its file in the batch, its rank, who chose it and why, and its scores.

    `source` says who chose it: `mining` (a pool image, with the model's drafts) or `audit` (a labelled image
    the label audit suspects: `labels` boxes are its labels as they are, `suspects` say which and why)."""

    image: str
    """Its key: the path from the project root (data/pool/images/..., data/prepared/...)."""
    file: str
    """Its file name in the batch's images/ (its labels: `labels/<stem>.txt`)."""
    rank: int
    """Its place in the batch, from 1 (mining: by score or pick; audit: in the audit's ranking)."""
    reason: str
    """Why it was chosen, in one line."""
    source: Literal["mining", "audit"] = "mining"
    """Who chose it; entries written before it was kept are all `mining`."""
    rule: str | None = None
    """Mining: the strategy's rule that chose it (tasks/mine/strategies.py)."""
    draft_boxes: int
    """Mining: the model's drafts; audit: the boxes it suggests (objects the labels miss)."""
    scores: dict[str, JsonValue]
    """Mining: its row of reports/mine/scores.json; audit: its audit score, label quality and mistakenness."""
    labels: int | None = None
    """Audit: the image's labelled boxes."""
    suspects: list[AuditSuspect] | None = None
    """Audit: the boxes to look at, and why."""

    @model_validator(mode="after")
    def audit_fields_with_audit(self) -> BatchEntry:
        if self.source == "audit" and (self.labels is None or self.suspects is None):
            raise ValueError("an audit image needs `labels` and `suspects`")
        return self


class RelabelBatch(Contract):
    """`data/relabel/round-N/batch.json`: the round, the model whose drafts it holds, how it was picked, the class
    list of its label files (the prepared dataset's), and its images."""

    round: int
    """The relabel round (`mine.round`)."""
    model: str
    """The model that drew the drafts: `<stage>:<registered version>`."""
    params: dict[str, JsonValue]
    """The mine section it was picked with."""
    excluded: int
    """Images earlier rounds handed out or took back (never chosen again)."""
    strategy: str | None = None
    """`mine.strategy`."""
    rule: str | None = None
    """The rule the strategy came to (a cold start picks for diversity)."""
    why: str | None = None
    """Why that rule."""
    model_val_map50_95: float | None = None
    """The val mAP50-95 the model recorded (None: it recorded none)."""
    names: list[str]
    """The class list of its label files: the prepared dataset's, every class."""
    images: list[BatchEntry]
    """The mined images, then the audit's."""


class LabelRound(Contract):
    """`data/labels/round-N/manifest.json`: the batch's entries of the images whose labels came back."""

    round: int
    """The relabel round the labels answer."""
    names: list[str]
    """The class list of its label files (the batch's)."""
    images: list[BatchEntry]
    """The batch's entries of the images in its images/ and labels/, by file name."""


def relabel_batch_file(folder: Path) -> Path | None:
    """The batch file of data/relabel/round-N (or of a returned folder): batch.json, else a manifest.json from
    before the rename; None when there is neither."""
    for name in (BATCH_FILE, LEGACY_BATCH_FILE):
        if (folder / name).is_file():
            return folder / name
    return None


def read_relabel_batch(folder: Path) -> RelabelBatch:
    path = relabel_batch_file(folder) or folder / BATCH_FILE
    return read_contract(path, RelabelBatch, "`dvc repro mine` hands out the batch first")


def write_relabel_batch(folder: Path, batch: RelabelBatch) -> None:
    write_contract(folder / BATCH_FILE, batch)


def read_label_round(folder: Path) -> LabelRound:
    return read_contract(folder / LABEL_ROUND_FILE, LabelRound, "`yoloop labels import DIR` takes labels back")


def write_label_round(folder: Path, labels: LabelRound) -> None:
    write_contract(folder / LABEL_ROUND_FILE, labels)


def round_folders(folder: Path) -> list[Path]:
    """The round-N folders of data/relabel or data/labels, in round order (round-2 before round-10)."""
    rounds = [p for p in folder.glob("round-*") if p.is_dir() and re.fullmatch(r"round-\d+", p.name)]
    return sorted(rounds, key=lambda p: int(p.name.split("-")[1]))


def handed_out_batches(relabel: Path) -> dict[Path, RelabelBatch]:
    """The batch of each round folder of data/relabel that holds one, by folder, in round order."""
    return {f: read_relabel_batch(f) for f in round_folders(relabel) if relabel_batch_file(f)}


def taken_back_rounds(labels: Path) -> dict[Path, LabelRound]:
    """The labels of each round folder of data/labels that holds them, by folder, in round order."""
    return {f: read_label_round(f) for f in round_folders(labels) if (f / LABEL_ROUND_FILE).is_file()}
