"""The entry point every stage shares: `python -m flows.<stage> [--params FILE]`.

Params are validated before the flow (and any Prefect or MLflow machinery) starts.
Bad input (params, missing or malformed data) exits with code 2 and one line per
problem, each naming its file, line or key.

This is the one place that decides the project root: the current directory, where DVC
runs every stage (and the CLI and the deployments run). It stays relative (`.`), so every
path a stage prints or records is named from the root as dvc.yaml names it.

The flow reports to the Prefect server of PREFECT_API_URL (`yoloop repro`, `make demo` and the
tests start one for the whole run); run alone, the stage starts its own, which dies with it even
under SIGKILL (tasks/core/prefect_server.py), never Prefect's temporary one, which is orphaned then;
it first marks Crashed the runs that stages killed while alone left Running (tasks/ops/zombies.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.core.errors import InputError, disk_full_or_raise
from tasks.core.params import load_params
from tasks.core.prefect_server import API_URL_ENV, serving
from tasks.core.schema import Params
from tasks.ops.zombies import crash_stale_runs

EXIT_BAD_INPUT = 2


def project_root(repo: str | Path = os.curdir) -> Path:
    """The repository the stages run in: `repo`, by default the current directory."""
    return Path(repo)


def print_input_error(exc: InputError) -> int:
    for line in exc.lines:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_stage(stage_flow: Callable[[Params, Path], Any], argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m flows.{stage_flow.__name__.removesuffix('_flow')}")
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    options = parser.parse_args(argv)
    try:
        params = load_params(options.params)
        alone = API_URL_ENV not in os.environ  # then the stage reports to a server of its own
        with serving(in_process=True):
            if alone:
                crash_stale_runs()  # runs that stages killed while alone left Running in its database
            stage_flow(params, project_root())
    except InputError as exc:
        return print_input_error(exc)
    except OSError as exc:  # a full disk, named; any other error is a defect and keeps its traceback
        return print_input_error(disk_full_or_raise(exc, f"stage {stage_flow.__name__.removesuffix('_flow')}"))
    return 0


def exit_without_collecting(code: int) -> None:
    """Exit with `code`, sparing the interpreter's last garbage collections: a stage ends holding about 800,000
    objects (torch, Prefect, MLflow), and the passes over them while modules are torn down took 2.5 s of every
    stage. Frozen objects are not collected (gc.freeze); atexit handlers (Prefect's and MLflow's flushes) still
    run, and what the stage wrote was closed by then: every output is written through a `with`."""
    import gc

    gc.freeze()
    sys.exit(code)


def main(stage_flow: Callable[[Params, Path], Any]) -> None:
    exit_without_collecting(run_stage(stage_flow))
