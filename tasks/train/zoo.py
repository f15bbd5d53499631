"""The zoo: every model a team can start from, in one table (`yoloop zoo list`), and a checkpoint added to the zoo
folder with its card (`yoloop zoo add`).

The table has one row per start model, each with the spec to write as `train.model` or `transfer.from`
(tasks/train/model_spec.py): the registered versions of every registered model in the project's MLflow store
(`models:/NAME/3`, described by tasks/tracking/catalog.py), the entries of the zoo folder `project.zoo_dir`
(`zoo:NAME`: `NAME.pt` and its card `NAME.json`), and the Ultralytics weights already in Ultralytics' weights folder
(`yolo11n.pt`). What is not known prints as "-". Finding none at all is an InputError that says how to add one.

`add_to_zoo` copies a YOLO checkpoint in as `NAME.pt` (written atomically) and writes its card, the classes read
from the checkpoint's model; a file that holds no model, a name that cannot follow `zoo:`, or a name the zoo has
already (without `replace`) is an InputError naming it, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.core import ZOO_SPEC, InputError, TrackingParams, checkpoint_names, copy_atomic, write_contract
from tasks.tracking import VersionFacts, reachable_tracking_uri, registered_catalog
from tasks.train.model_spec import ModelPlaces, ZooCard, asset_url, parse_model_spec, ultralytics_asset_names, zoo_entry

UNKNOWN = "-"
COLUMNS = ("SPEC", "KIND", "CLASSES", "DATA", "TEST mAP50-95", "IMGSZ", "SOURCE")
MAX_CLASSES_TEXT = 48  # characters of class names shown; the count is always there
NOT_A_CHECKPOINT = "give a YOLO checkpoint (.pt) that Ultralytics trained or published"


@dataclass(frozen=True)
class StartModel:
    """One row of `yoloop zoo list`: the spec for params, and what is known of the model (None: not known)."""

    spec: str
    kind: str
    classes: list[str] | None = None
    data: str | None = None
    test_map50_95: float | None = None
    imgsz: str | None = None
    source: str | None = None

    def cells(self) -> tuple[str, ...]:
        score = None if self.test_map50_95 is None else f"{self.test_map50_95:.3f}"
        values = (self.spec, self.kind, classes_text(self.classes), self.data, score, self.imgsz, self.source)
        return tuple(UNKNOWN if value in (None, "") else str(value) for value in values)


def classes_text(names: list[str] | None) -> str | None:
    """`3: bolt, nut, washer`, the names cut to MAX_CLASSES_TEXT characters."""
    if not names:
        return None
    joined = ", ".join(names)
    return f"{len(names)}: {joined if len(joined) <= MAX_CLASSES_TEXT else joined[: MAX_CLASSES_TEXT - 1] + '…'}"


def short_hash(data_hash: str | None) -> str | None:
    """A DVC hash as the table shows it: its first 8 characters (`unversioned` as it is)."""
    if not data_hash or data_hash == "unversioned":
        return data_hash
    return data_hash.removesuffix(".dir")[:8]


def registered_row(facts: VersionFacts) -> StartModel:
    aliases = ", ".join(f"@{alias}" for alias in facts.aliases)
    source = f"registry ({aliases})" if aliases else "registry"
    data = short_hash(facts.data_hash)
    return StartModel(facts.spec, "registered", facts.names, data, facts.test_map50_95, facts.imgsz, source)


def zoo_row(weights: Path, places: ModelPlaces) -> StartModel:
    """A `.pt` of the zoo folder with what its card says; a missing or unreadable card is said in SOURCE."""
    spec = f"zoo:{weights.stem}"
    if not ZOO_SPEC.fullmatch(spec):
        return StartModel(UNKNOWN, "zoo", source=f"{weights.name}: not a zoo name (letters, digits, _ . -)")
    try:
        _, card = zoo_entry(parse_model_spec(spec, "zoo"), places)
    except InputError:
        return StartModel(
            spec, "zoo", source=f"no readable card {weights.stem}.json: {spec} is refused until it has one"
        )
    return StartModel(spec, "zoo", card.names, source=card.source)


def zoo_rows(places: ModelPlaces) -> list[StartModel]:
    return [zoo_row(weights, places) for weights in sorted(places.zoo.glob("*.pt"))] if places.zoo.is_dir() else []


def ultralytics_rows(places: ModelPlaces) -> list[StartModel]:
    """The weights in Ultralytics' weights folder that an Ultralytics name finds (tasks/train/model_spec.py)."""
    if not places.weights.is_dir():
        return []
    named = ultralytics_asset_names()
    found = sorted(p.name for p in places.weights.glob("*.pt") if p.name in named)
    return [StartModel(name, "ultralytics", source=asset_url(name)) for name in found]


def found_start_models(places: ModelPlaces, tracking: TrackingParams) -> list[StartModel]:
    """Every model a team can start from (none: an empty list)."""
    rows = [registered_row(facts) for facts in registered_catalog(tracking)]
    return rows + zoo_rows(places) + ultralytics_rows(places)


def start_models(places: ModelPlaces, tracking: TrackingParams) -> list[StartModel]:
    """Every model a team can start from; an InputError saying where it looked and how to add one when none."""
    rows = found_start_models(places, tracking)
    if not rows:
        raise InputError(
            f"no start models found: no registered version in the MLflow store at {reachable_tracking_uri()}, "
            f"no .pt in the zoo {places.zoo} (project.zoo_dir), no Ultralytics weights in {places.weights}; add one "
            "with `yoloop zoo add FILE --name NAME`, or train one (`yoloop repro train` registers it)"
        )
    return rows


def format_table(rows: list[StartModel]) -> str:
    """The rows as aligned columns under COLUMNS."""
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells)


def add_to_zoo(file: Path, name: str, source: str | None, places: ModelPlaces, replace: bool = False) -> ZooCard:
    """Copy the checkpoint `file` into the zoo as `NAME.pt` with its card `NAME.json`; the card written."""
    if not ZOO_SPEC.fullmatch(f"zoo:{name}"):
        raise InputError(
            f"--name {name!r}: not a zoo name; use letters, digits, _ . - (starting with a letter or digit)"
        )
    file = file.expanduser()
    if not file.is_file():
        raise InputError(f"{file}: no such file; {NOT_A_CHECKPOINT}")
    names = checkpoint_names(file, NOT_A_CHECKPOINT)
    weights, card_file = places.zoo / f"{name}.pt", places.zoo / f"{name}.json"
    there = [p.name for p in (weights, card_file) if p.exists()]
    if there and not replace:
        raise InputError(
            f"{places.zoo}: zoo:{name} is there already ({', '.join(there)}); pass --replace to replace it, "
            "or choose another --name"
        )
    card = ZooCard(names=names, source=source or str(file.resolve()))
    copy_atomic(file, weights)
    write_contract(card_file, card)
    return card
