"""The entry point every stage shares: `python -m flows.<stage> [--params FILE]`.

Params are validated before the flow (and any Prefect or MLflow machinery) starts.
Bad input (params, missing or malformed data) exits with code 2 and one line per
problem, each naming its file, line or key. The project root is the current directory
(`project_root`, tasks/core/paths.py).

The flow reports to the Prefect server of PREFECT_API_URL (`yoloop repro`, `make demo` and the
tests start one for the whole run); run alone, the stage starts its own, which dies with it even
under SIGKILL (tasks/orchestration/server.py), never Prefect's temporary one, which is orphaned then;
it first marks Crashed the runs that stages killed while alone left Running (tasks/orchestration/zombies.py).
Prefect logs the exception a flow or task run ends with, traceback and all; for bad input the traceback is left
out (`BadInputWithoutTraceback`): the stage's own `error:` line says what is wrong, and a traceback would read as
a defect.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.core import InputError, Params, disk_full_or_raise, load_params, print_input_error, project_root
from tasks.orchestration.server import API_URL_ENV, serving
from tasks.orchestration.zombies import crash_stale_runs

DEFAULT_PARAMS = "params.yaml"
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")  # where Prefect logs the exception a run ends with


class BadInputWithoutTraceback(logging.Filter):
    """Drops the traceback of a log record whose exception is an InputError (the message stays)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InputError):
            record.exc_info, record.exc_text = None, None
        return True


def quiet_bad_input_tracebacks() -> None:
    """Prefect's run loggers log an InputError without its traceback; once per process."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, BadInputWithoutTraceback) for f in logger.filters):
            logger.addFilter(BadInputWithoutTraceback())


def stage_name(stage_flow: Callable[..., Any]) -> str:
    return stage_flow.__name__.removesuffix("_flow")


def params_option(argv: list[str], prog: str) -> str:
    """The stage entry's one option, `--params FILE` (or `--params=FILE`); params.yaml without it. `-h` prints the
    usage (exit 0); anything else is a usage error (exit 2), as the command line's own."""
    usage = f"usage: {prog} [-h] [--params FILE]"
    if argv in (["-h"], ["--help"]):
        print(f"{usage}\n\noptions:\n  -h, --help      show this help and exit")
        print(f"  --params FILE   params file (default: {DEFAULT_PARAMS})")
        raise SystemExit(0)
    if not argv:
        return DEFAULT_PARAMS
    if len(argv) == 2 and argv[0] == "--params":
        return argv[1]
    if len(argv) == 1 and argv[0].startswith("--params="):
        return argv[0].removeprefix("--params=")
    print(usage, file=sys.stderr)
    print(f"{prog}: error: expected only --params FILE, got: {' '.join(argv)}", file=sys.stderr)
    raise SystemExit(2)


def run_stage(stage_flow: Callable[[Params, Path], Any], argv: list[str] | None = None) -> int:
    """Run one stage's flow with the params of `argv`'s `--params`; 0, or 2 on bad input (its lines printed)."""
    params_file = params_option(sys.argv[1:] if argv is None else argv, f"python -m flows.{stage_name(stage_flow)}")
    try:
        params = load_params(params_file)
        quiet_bad_input_tracebacks()
        alone = API_URL_ENV not in os.environ  # then the stage reports to a server of its own
        with serving(in_process=True):
            if alone:
                crash_stale_runs()  # runs that stages killed while alone left Running in its database
            stage_flow(params, project_root())
    except InputError as exc:
        return print_input_error(exc)
    except OSError as exc:  # a full disk, named; any other error is a defect and keeps its traceback
        return print_input_error(disk_full_or_raise(exc, f"stage {stage_name(stage_flow)}"))
    return 0


def exit_without_collecting(code: int) -> None:
    """Exit with `code`, sparing the interpreter's last garbage collections over the many objects a stage holds at
    its end (torch, Prefect, MLflow). Frozen objects are not collected (gc.freeze); atexit handlers (Prefect's and
    MLflow's flushes) still run, and what the stage wrote was closed by then: every output is written through a
    `with`."""
    import gc

    gc.freeze()
    sys.exit(code)


def stage_main(stage_flow: Callable[[Params, Path], Any]) -> None:
    """`python -m flows.<stage>`: run the stage with the command line's params, exit with its code."""
    exit_without_collecting(run_stage(stage_flow))
