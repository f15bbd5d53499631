"""`yoloop transfer-modes`: which layers to fine-tune, measured (the work is in tasks/studies/transfer_modes.py)."""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Annotated

import typer

from cli.options import DEFAULT_PARAMS, ParamsFile

EPILOG = (
    "Examples:\n\n    yoloop transfer-modes\n\n    yoloop transfer-modes --epochs 10 --params experiments/modes.yaml"
)


def transfer_modes(
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs",
            min=1,
            help="Epochs of every cell (default: transfer_modes.epochs, else transfer.epochs).",
            show_default=False,
        ),
    ] = None,
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Which layers to fine-tune: `full`, `freeze_backbone` and `head_only` from transfer.from's model, each on
    `transfer_modes.fractions` of the prepared train split (nested, drawn with `project.seed`) at equal epochs. Per
    cell the test mAP50-95, wall seconds and trainable parameters, and per share the mode to use, in
    reports/transfer_modes/table.md and table.json (not part of `dvc repro`)."""
    from flows.transfer_modes import transfer_modes_flow
    from tasks.orchestration import run_stage

    flow = update_wrapper(partial(transfer_modes_flow, epochs=epochs), transfer_modes_flow)  # keeps the stage's name
    raise typer.Exit(run_stage(flow, ["--params", str(params)]))
