"""The `yoloop` command: stages, params checks, imports, labels, the local stack, reports outside `dvc repro`."""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
from pathlib import Path

from flows.cluster_cli import add_cluster_commands
from flows.labelstudio import add_labelstudio_command, add_push_pull_actions
from flows.report import add_report_command
from flows.stage import EXIT_BAD_INPUT, print_input_error, project_root, run_stage
from tasks.core.errors import InputError, disk_full_or_raise
from tasks.core.params import load_params
from tasks.core.paths import Layout

STAGES = ("prepare", "train", "transfer", "evaluate", "mine")


def _run_flow(module: str, name: str, params: str) -> int:
    return run_stage(getattr(importlib.import_module(module), name), ["--params", params])


def _run_stage(options: argparse.Namespace) -> int:
    return _run_flow(f"flows.{options.stage}", f"{options.stage}_flow", options.params)


def _economics(options: argparse.Namespace) -> int:
    """Scratch vs transfer, the four experiments (not in `dvc repro`): reports/economics/."""
    return _run_flow("flows.economics", "economics_flow", options.params)


def _architectures(options: argparse.Namespace) -> int:
    """Train and compare candidate model yamls (architectures section); not part of `dvc repro`."""
    return _run_flow("flows.architectures", "architectures_flow", options.params)


def _active_learning(options: argparse.Namespace) -> int:
    """Oracle rounds of each selection strategy vs random, over repeats; not part of `dvc repro`."""
    return _run_flow("flows.active_learning", "oracle_flow", options.params)


# Flows run outside `dvc repro`: command -> (handler, help)
STUDIES = {
    "economics": (_economics, "scratch vs transfer: four experiments and a report"),
    "architectures": (_architectures, "train each architectures.models yaml; table + plot"),
    "active-learning": (_active_learning, "oracle rounds: strategies vs random, repeats, intervals"),
}


def _check_params(options: argparse.Namespace) -> int:
    """Valid params, and a champion of `tracking.registered_model` that knows some of prepare's classes."""
    from tasks.evaluate.champion_classes import check_champion_classes

    params = load_params(options.params)
    check_champion_classes(params.tracking, params.prepare.classes.all)
    print(f"{options.params}: valid")
    return 0


def _repro(options: argparse.Namespace) -> int:
    """`dvc repro` through the CLI, so every result lands in dvc.lock and the DVC cache; one at a time per workspace.

    Every stage reports to one Prefect server for the whole run (PREFECT_API_URL's, or one started
    here and stopped after) instead of starting its own; on it, a stage killed mid-run is marked
    Crashed once its heartbeats stop (tasks/ops/zombies.py).
    """
    from tasks.core.prefect_server import serving, talking_to
    from tasks.ops.dvc_repo import dvc_env
    from tasks.ops.repro_lock import repro_lock
    from tasks.ops.zombies import ensure_zombie_automation

    with repro_lock(project_root()), serving() as api_url:
        with talking_to(api_url):
            ensure_zombie_automation()
        # dvc_env: the stages' `python` is this interpreter, also when its venv is not activated
        return subprocess.call([sys.executable, "-m", "dvc", "repro", *options.targets], env=dvc_env())


def _stack(options: argparse.Namespace) -> int:
    """Start the local stack, register the deployments, and keep it up until Ctrl-C."""
    from tasks.ops.stack import run_stack

    labelstudio_port = options.labelstudio_port if options.labelstudio else None
    return run_stack(project_root(), options.prefect_port, options.mlflow_port, labelstudio_port, options.workers)


def _import(options: argparse.Namespace) -> int:
    """Import a YOLO, VOC or COCO dataset (or unlabelled photos) into data/raw/NAME, checked, quarantined, versioned."""
    from flows.import_data import import_dataset, print_failure, print_result
    from tasks.core.schema_data import ImportParams
    from tasks.data.validate_import import ValidationFailed

    params = load_params(options.params).imports if Path(options.params).exists() else ImportParams()
    overrides = {"policy": options.policy, "video_fps": options.fps}
    params = params.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    raw = Layout(project_root()).raw
    try:
        source, name = Path(options.source), options.name
        print_result(import_dataset(source, name, options.format, params, raw=raw, unlabelled=options.unlabelled))
    except ValidationFailed as exc:
        print_failure(exc)
        return EXIT_BAD_INPUT
    return 0


def _labels_import(options: argparse.Namespace) -> int:
    """Validate returned labels against their relabel batch, merge them into data/labels/round-N, dvc add it."""
    from tasks.mine.labels_import import import_labels
    from tasks.ops.dvc_repo import dvc_add

    layout = Layout(project_root())
    dest, count = import_labels(Path(options.dir), layout.relabel, layout.labels)
    if not options.no_dvc:
        dvc_add(dest)
    print(f"imported {count} label files into {dest}; the next `dvc repro` trains on them")
    return 0


def _app(options: argparse.Namespace) -> int:
    """The FiftyOne App on 127.0.0.1 with the mining views (rebuilt from files when needed)."""
    from flows.app import serve_app

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # a plain `kill` closes the App session cleanly

    signal.signal(signal.SIGTERM, stop)
    return serve_app(load_params(options.params), project_root(), options.port, options.rebuild)


def _add_flow_commands(commands: argparse._SubParsersAction) -> None:
    stage = commands.add_parser("stage", help="run one stage's flow directly (no DVC bookkeeping)")
    stage.add_argument("stage", choices=STAGES)
    stage.add_argument("--params", default="params.yaml")
    stage.set_defaults(handler=_run_stage)
    for command, (handler, help_text) in STUDIES.items():
        study = commands.add_parser(command, help=help_text)
        study.add_argument("--params", default="params.yaml")
        study.set_defaults(handler=handler)
    repro = commands.add_parser("repro", help="run the pipeline with dvc repro")
    repro.add_argument("targets", nargs="*")
    repro.set_defaults(handler=_repro)


def _add_import_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="import a YOLO, VOC or COCO dataset (or unlabelled photos) into data/raw/NAME"
    )
    parser.add_argument("source", help="dataset yaml or folder (YOLO, VOC, COCO), COCO JSON, or photos/videos")
    parser.add_argument("--name", required=True, help="the copy goes to data/raw/NAME")
    parser.add_argument("--format", default="auto", choices=("auto", "yolo", "voc", "coco"))
    parser.add_argument("--policy", choices=("strict", "lenient"), help="override imports.policy of params.yaml")
    parser.add_argument("--unlabelled", action="store_true", help="photos and videos without labels: the mining pool")
    parser.add_argument("--fps", type=float, help="--unlabelled: video frames per second (imports.video_fps)")
    parser.add_argument("--params", default="params.yaml")
    parser.set_defaults(handler=_import)


def _add_data_commands(commands: argparse._SubParsersAction) -> None:
    _add_import_parser(commands)
    labels = commands.add_parser("labels", help="labels taken back from labelling tools")
    actions = labels.add_subparsers(dest="action", required=True)
    importing = actions.add_parser("import", help="validate and merge a returned relabel batch (YOLO .txt files)")
    importing.add_argument("dir", help="folder with labels/*.txt (or *.txt) for images of one relabel batch")
    importing.add_argument("--no-dvc", action="store_true", help="do not `dvc add` the new version")
    importing.set_defaults(handler=_labels_import)
    add_push_pull_actions(actions)


def _add_service_commands(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check-params", help="validate params.yaml and report every problem")
    check.add_argument("--params", default="params.yaml")
    check.set_defaults(handler=_check_params)
    stack = commands.add_parser("stack", help="start Prefect server + worker (pool gpu) + MLflow UI on 127.0.0.1")
    stack.add_argument("--prefect-port", type=int, default=4200)
    stack.add_argument("--mlflow-port", type=int, default=5000)
    stack.add_argument("--labelstudio", action="store_true", help="start Label Studio too (yoloop labelstudio)")
    stack.add_argument("--labelstudio-port", type=int, default=8080)
    stack.add_argument("--workers", type=int, default=1, help="process workers on the pool gpu, worker i on GPU i")
    stack.set_defaults(handler=_stack)
    add_labelstudio_command(commands)
    add_report_command(commands)
    app = commands.add_parser("app", help="the FiftyOne App on 127.0.0.1 with the mining views")
    app.add_argument("--params", default="params.yaml")
    app.add_argument("--port", type=int, default=5151)
    app.add_argument("--rebuild", action="store_true", help="rebuild the FiftyOne dataset from files first")
    app.set_defaults(handler=_app)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yoloop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_flow_commands(commands)
    _add_data_commands(commands)
    _add_service_commands(commands)
    add_cluster_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    options = build_parser().parse_args(argv)
    try:
        sys.exit(options.handler(options))
    except InputError as exc:
        sys.exit(print_input_error(exc))
    except OSError as exc:  # a full disk, named; any other error is a defect and keeps its traceback
        sys.exit(print_input_error(disk_full_or_raise(exc, f"yoloop {options.command}")))


if __name__ == "__main__":
    main()
