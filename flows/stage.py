"""The entry point every stage shares: `python -m flows.<stage> [--params FILE]`.

Params are validated before the flow (and any Prefect or MLflow machinery) starts.
Bad input (params, missing or malformed data) exits with code 2 and one line per
problem, each naming its file, line or key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from tasks.core.errors import InputError
from tasks.core.params import load_params
from tasks.core.schema import Params

EXIT_BAD_INPUT = 2


def run_stage(stage_flow: Callable[[Params], Any], argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m flows.{stage_flow.__name__.removesuffix('_flow')}")
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    options = parser.parse_args(argv)
    try:
        params = load_params(options.params)
        stage_flow(params)
    except InputError as exc:
        for line in exc.lines:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def main(stage_flow: Callable[[Params], Any]) -> None:
    sys.exit(run_stage(stage_flow))
