"""The options several commands of `yoloop` share (cli/main.py, cli/zoo.py), declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_PARAMS = Path("params.yaml")
ParamsFile = Annotated[Path, typer.Option("--params", help="The params file.", show_default=True)]
