"""The start chosen by measurement (`yoloop zoo probe`): each start model of the zoo listing, and scratch, fine-tuned
alike on one fixed sample of the prepared train split and scored on the prepared val split.

The candidates are the rows of `yoloop zoo list` (tasks/train/zoo.py), or, with `top`, the `top` rows whose class
names share the most names with data/prepared's classes (ties keep the listing's order; a row whose classes are not
known shares none). Scratch is always a row: `train.model` when it is a model yaml, else yolov8n.yaml. Every row
trains with the train section's arguments (imgsz, batch, augmentation), `epochs` epochs and no plots, on the same
`images` train images, drawn once with `project.seed`, and is scored on every val image; a start whose classes
differ from the data's starts from its weights with the head widened, classes matched by name, as a transfer starts
(tasks/train/widen_head.py). A candidate that cannot be resolved, widened or trained is a row with its reason.

reports/zoo/probe.md (the table and the recommendation) and reports/zoo/probe.json (the same figures) are written
atomically: per row the spec, val mAP50-95, val mAP50, wall seconds and val mAP50-95 per minute; the seconds run
from the first epoch to the end of the final validation (Ultralytics' `train_time_start` to `on_train_end`), so the
set-up that only the first row pays (the labels cache of the shared sample, first imports) counts for none. The
recommendation is the best val mAP50-95, and says when it beats scratch by less than NOISE. No data/prepared is an
InputError naming it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tasks.core import (
    InputError,
    Layout,
    Params,
    PreparedDataset,
    copy_remapped,
    list_images,
    read_card,
    resolve_device,
    write_data_yaml,
    write_json,
    write_text_atomic,
)
from tasks.train.fit import Meter, train_detector, ultralytics_args
from tasks.train.model_spec import ModelPlaces, parse_model_spec, resolve_model_spec
from tasks.train.widen_head import write_start_checkpoint
from tasks.train.zoo import UNKNOWN, StartModel, found_start_models

NOISE = 0.01  # a val mAP50-95 gap under this, on a sample this small, is not told apart from chance
SCRATCH_YAML = "yolov8n.yaml"  # scratch when train.model is not a model yaml
MAP50_95, MAP50 = "metrics/mAP50-95(B)", "metrics/mAP50(B)"  # Ultralytics' names for the val metrics
SPLIT_PARTS = ("base", "new")  # data/prepared's parts, each with images/train and images/val


@dataclass(frozen=True)
class ProbeSettings:
    """What `yoloop zoo probe` measures: all candidates (top None) or the top N, for `epochs` on `images` images."""

    top: int | None = None
    epochs: int = 3
    images: int = 64


@dataclass(frozen=True)
class Candidate:
    """A start to probe: its spec, its kind, the class names it shares with the data (None: not known), and why it
    cannot be probed when that is known from the listing alone."""

    spec: str
    kind: str
    shared: int | None = None
    refused: str | None = None


@dataclass
class ProbeRow:
    """A candidate's figures on the val split, or the reason it has none."""

    spec: str
    kind: str
    shared: int | None
    map50_95: float | None = None
    map50: float | None = None
    wall_s: float | None = None
    error: str | None = None

    @property
    def per_minute(self) -> float | None:
        if self.map50_95 is None or not self.wall_s:
            return None
        return self.map50_95 / (self.wall_s / 60)


@dataclass(frozen=True)
class ProbeSet:
    """The staged sample: its dataset yaml, how many train images it holds and how many val images."""

    data_yaml: Path
    train_images: int
    val_images: int


def shared_names(classes: list[str] | None, names: list[str]) -> int | None:
    return None if classes is None else len(set(classes) & set(names))


def candidates_of(rows: list[StartModel], names: list[str], top: int | None) -> list[Candidate]:
    """The listing's rows as candidates: all, or the `top` that share the most class names with `names`."""
    found = [
        Candidate(row.spec, row.kind, shared_names(row.classes, names), row.source if row.spec == UNKNOWN else None)
        for row in rows
    ]
    return found if top is None else sorted(found, key=lambda c: -(c.shared or 0))[:top]


def scratch_candidate(train_model: str) -> Candidate:
    """`train.model` when it is a model yaml, else yolov8n.yaml."""
    spec = train_model if parse_model_spec(train_model, "train.model").kind == "yaml" else SCRATCH_YAML
    return Candidate(spec, "scratch")


def split_images(dataset: PreparedDataset, split: str) -> dict[str, list[Path]]:
    """The images of one split (train or val) of each part of data/prepared that has it."""
    folders = {part: dataset.root / part / "images" / split for part in SPLIT_PARTS}
    return {part: list_images(folder) for part, folder in folders.items() if folder.is_dir()}


def stage_probe_set(dataset: PreparedDataset, images: int, seed: int, work: Path) -> ProbeSet:
    """`images` train images drawn with `seed` (every one when there are fewer) and every val image, copied into
    `work` with labels for every class of the data; an InputError naming data/prepared when a split is empty."""
    everything = train_images(dataset)
    return stage_sample(dataset, set(random.Random(seed).sample(everything, min(images, len(everything)))), work)


def train_images(dataset: PreparedDataset) -> list[Path]:
    """Every image of data/prepared's train split (all its parts), sorted; an InputError naming data/prepared when
    its train or val split is empty."""
    train, val = split_images(dataset, "train"), split_images(dataset, "val")
    for split, found in (("train", train), ("val", val)):
        if not any(found.values()):
            raise InputError(
                f"{dataset.root}: no {split} images (base/images/{split}, new/images/{split}); run prepare on data "
                f"with a {split} split first"
            )
    return sorted(p for part in train.values() for p in part)


def stage_sample(dataset: PreparedDataset, drawn: set[Path], work: Path) -> ProbeSet:
    """The `drawn` train images and every val image of data/prepared, copied into `work` with labels for every
    class of the data, and their dataset yaml."""
    train, val = split_images(dataset, "train"), split_images(dataset, "val")
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for part in train:
        copy_remapped([p for p in train[part] if p in drawn], dataset.names, dataset.names, work / f"{part}_train")
        splits["train"].append(f"{part}_train/images")
    for part in val:
        copy_remapped(val[part], dataset.names, dataset.names, work / f"{part}_val")
        splits["val"].append(f"{part}_val/images")
    data_yaml = write_data_yaml(work / "data.yaml", dataset.names, splits)
    return ProbeSet(data_yaml, len(drawn), sum(len(part) for part in val.values()))


def reason(exc: BaseException) -> str:
    """Why a candidate has no figures: an InputError's lines as they are, else the exception's type and first line."""
    if isinstance(exc, InputError):
        return "; ".join(exc.lines)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def probe_one(candidate: Candidate, places: ModelPlaces, names: list[str], data: ProbeSet, args: dict, work: Path):
    """One candidate fine-tuned on the staged sample: its row (the reason, when it could not be probed)."""
    row = ProbeRow(candidate.spec, candidate.kind, candidate.shared)
    if candidate.refused:
        row.error = candidate.refused
        return row
    try:
        model = resolve_model_spec(parse_model_spec(candidate.spec, "candidate"), places, work / "fetched").model
        if model.endswith(".pt"):  # classes matched by name, the head widened, as a transfer starts
            model = str(write_start_checkpoint(Path(model), names, work / "start.pt")[0])
        meter = Meter()
        outcome = train_detector(model, data.data_yaml, args, work / "run", meter.callbacks())
    except Exception as exc:  # a candidate that fails is a row with its reason, and the others still run
        row.error = reason(exc)
        return row
    row.map50_95, row.map50 = outcome.metrics.get(MAP50_95), outcome.metrics.get(MAP50)
    row.wall_s = outcome.wall_s if meter.wall_s is None else meter.wall_s
    return row


def recommendation(rows: list[ProbeRow]) -> tuple[str | None, str]:
    """The spec with the best val mAP50-95 (scratch, the first row, on a tie) and the line that says so."""
    scratch, scored = rows[0], [row for row in rows if row.map50_95 is not None]
    if not scored:
        return None, "recommendation: none: no candidate could be fine-tuned (each row says why)"
    best = max(scored, key=lambda row: row.map50_95)
    said = f"recommendation: {best.spec} (val mAP50-95 {best.map50_95:.3f})"
    if best is scratch:
        return best.spec, f"{said}: scratch; no start from the zoo beats it"
    if scratch.map50_95 is None:
        return best.spec, f"{said}; scratch ({scratch.spec}) could not be trained to compare with"
    gap = best.map50_95 - scratch.map50_95
    if gap < NOISE:
        return best.spec, (
            f"{said}, but it beats scratch ({scratch.spec}, {scratch.map50_95:.3f}) by {gap:.3f}, under the noise "
            f"of {NOISE}: no better than scratch by this measure"
        )
    return best.spec, f"{said}: {gap:.3f} above scratch ({scratch.spec}, {scratch.map50_95:.3f})"


def figure(value: float | None, digits: int = 3) -> str:
    return UNKNOWN if value is None else f"{value:.{digits}f}"


def table(rows: list[ProbeRow]) -> list[str]:
    """The rows as a Markdown table."""
    head = ["spec", "kind", "shared classes", "val mAP50-95", "val mAP50", "wall s", "mAP50-95 / min", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            row.spec,
            row.kind,
            UNKNOWN if row.shared is None else str(row.shared),
            figure(row.map50_95),
            figure(row.map50),
            figure(row.wall_s, 1),
            figure(row.per_minute, 4),
            (row.error or "").replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


@dataclass
class ProbeReport:
    """What `yoloop zoo probe` measured, as reports/zoo/probe.json holds it."""

    classes: list[str]
    seed: int
    epochs: int
    imgsz: Any
    train_images: int
    val_images: int
    listed: int
    top: int | None
    zoo_empty: bool
    rows: list[ProbeRow]
    recommended: str | None
    recommendation: str

    def markdown(self) -> str:
        chosen = "all" if self.top is None else f"the top {self.top} (most class names shared with the data) of the"
        lines = [
            "# Zoo probe: the start chosen by measurement",
            "",
            f"Scratch and {chosen} {self.listed} start model(s) of `yoloop zoo list`, each fine-tuned for "
            f"{self.epochs} epoch(s) at imgsz {self.imgsz} on the same {self.train_images} train image(s) of "
            f"data/prepared (drawn with project.seed {self.seed}), scored on its {self.val_images} val image(s).",
            "",
        ]
        if self.zoo_empty:
            empty = "The zoo is empty: no registered version, zoo entry or Ultralytics weights; only scratch ran."
            lines += [empty, ""]
        return "\n".join([*lines, *table(self.rows), "", self.recommendation, ""])

    def payload(self) -> dict[str, Any]:
        rows = [{**asdict(row), "map50_95_per_minute": row.per_minute} for row in self.rows]
        return {**{k: v for k, v in asdict(self).items() if k != "rows"}, "rows": rows, "noise": NOISE}


def probe_zoo(params: Params, root: Path, places: ModelPlaces, settings: ProbeSettings) -> ProbeReport:
    """Probe scratch and the zoo's candidates on data/prepared; reports/zoo/probe.md and probe.json written."""
    layout = Layout(root)
    dataset = read_card(layout.prepared)  # no data/prepared: an InputError naming it, before any work
    listed = found_start_models(places, params.tracking)
    candidates = [scratch_candidate(params.train.model), *candidates_of(listed, dataset.names, settings.top)]
    work = layout.fresh_scratch("zoo_probe")
    data = stage_probe_set(dataset, settings.images, params.project.seed, work / "data")
    device, seed = resolve_device(params.project.device), params.project.seed
    args = {**ultralytics_args(params.train, device, seed), "epochs": settings.epochs, "plots": False}
    rows = [probe_one(c, places, dataset.names, data, args, work / f"candidate{i}") for i, c in enumerate(candidates)]
    recommended, line = recommendation(rows)
    report = ProbeReport(
        dataset.names, seed, settings.epochs, params.train.imgsz, data.train_images, data.val_images, len(listed),
        settings.top, not listed, rows, recommended, line,
    )  # fmt: skip
    out = layout.reports / "zoo"
    write_json(out / "probe.json", report.payload())
    write_text_atomic(out / "probe.md", report.markdown())
    return report
