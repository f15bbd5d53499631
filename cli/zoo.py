"""`yoloop zoo`: the models a team can start from (`list`), a checkpoint added to the zoo folder (`add`), and the
start chosen by measurement (`probe`).

Attached to the `yoloop` app in cli/main.py; the work is in tasks/train/zoo.py and tasks/train/probe.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import DEFAULT_PARAMS, ParamsFile
from tasks.core import project_root

zoo_app = typer.Typer(
    help="The models a team can start from: registered versions, the zoo folder, Ultralytics' weights."
)


def places_and_tracking(params: Path) -> tuple[Any, Any]:
    """Where start models are looked for (the params' project section, defaults without a params file), and the
    params' tracking section."""
    from tasks.core import ProjectParams, TrackingParams, load_params
    from tasks.train import ModelPlaces

    loaded = load_params(params) if params.exists() else None
    project = loaded.project if loaded else ProjectParams()
    return ModelPlaces.of(project, project_root(), params), loaded.tracking if loaded else TrackingParams()


@zoo_app.command("list", epilog="Examples:\n\n    yoloop zoo list\n\n    yoloop zoo list --params experiments/a.yaml")
def zoo_list(params: ParamsFile = DEFAULT_PARAMS) -> None:
    """One table of every model a team can start from, each with the spec to write as `train.model` or
    `transfer.from`: the registered versions in the MLflow store, the zoo folder's entries (`project.zoo_dir`), and
    the Ultralytics weights already on this machine. What is not known prints as "-"."""
    from tasks.train import format_table, start_models

    places, tracking = places_and_tracking(params)
    print(format_table(start_models(places, tracking)))
    print("\nwrite a SPEC as train.model or transfer.from in the params; `yoloop check-params` says where it is")


@zoo_app.command(
    "add",
    epilog="Examples:\n\n    yoloop zoo add models/train/weights.pt --name parts-n\n\n"
    "    yoloop zoo add ~/best.pt --name parts-n --source 'our 2025 run' --replace",
)
def zoo_add(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A YOLO checkpoint (.pt).")],
    name: Annotated[str, typer.Option("--name", help="The entry's name: start from it with zoo:NAME.")],
    source: Annotated[
        str | None, typer.Option(help="Where the weights came from (default: FILE's absolute path).")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an entry of the same name.")] = False,
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Copy a checkpoint into the zoo folder (`project.zoo_dir`) as NAME.pt, with its card NAME.json (the classes
    read from the checkpoint, its source): `zoo:NAME` starts a training from it."""
    from tasks.train import add_to_zoo

    places, _ = places_and_tracking(params)
    card = add_to_zoo(file, name, source, places, replace)
    print(f"added zoo:{name}: {places.zoo / f'{name}.pt'} ({len(card.names)} classes: {', '.join(card.names)})")
    print(f"start from it with train.model: zoo:{name} (or transfer.from: zoo:{name})")


@zoo_app.command(
    "probe",
    epilog="Examples:\n\n    yoloop zoo probe\n\n    yoloop zoo probe --top 3 --epochs 5 --images 128",
)
def zoo_probe(
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            help="Probe only the N rows of `yoloop zoo list` whose class names share the most names with "
            "data/prepared's classes (ties: in the listing's order; unknown classes share none). Default: every row.",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Fine-tuning epochs of each candidate.")] = 3,
    images: Annotated[
        int, typer.Option("--images", min=1, help="Train images in the sample (the same for every candidate).")
    ] = 64,
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Choose the start by measurement: each start model of `yoloop zoo list`, and scratch (`train.model` when it
    is a model yaml, else yolov8n.yaml), fine-tuned for EPOCHS epochs with the train section's arguments on the same
    IMAGES images of data/prepared's train split (drawn with `project.seed`) and scored on its val split.
    reports/zoo/probe.md and probe.json hold per candidate the val mAP50-95, val mAP50, wall seconds and mAP50-95 per
    minute, and a recommendation: the best val mAP50-95, said to be no better than scratch when it beats scratch by
    less than 0.01. A candidate that cannot be loaded is a row with its reason."""
    from tasks.core import load_params
    from tasks.train import ProbeSettings, probe_zoo

    places, _ = places_and_tracking(params)
    report = probe_zoo(load_params(params), project_root(), places, ProbeSettings(top, epochs, images))
    print(report.markdown())
    print("written: reports/zoo/probe.md, reports/zoo/probe.json")
