"""The `yoloop` command: stages, params checks, imports, labels, the local stack, reports outside `dvc repro`."""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys

from flows.cluster_cli import add_cluster_commands
from flows.stage import EXIT_BAD_INPUT, run_stage
from tasks.core.errors import InputError
from tasks.core.params import load_params

STAGES = ("prepare", "train", "transfer", "evaluate", "mine")


def _run_stage(options: argparse.Namespace) -> int:
    module = importlib.import_module(f"flows.{options.stage}")
    return run_stage(getattr(module, f"{options.stage}_flow"), ["--params", options.params])


def _check_params(options: argparse.Namespace) -> int:
    load_params(options.params)
    print(f"{options.params}: valid")
    return 0


def _economics(options: argparse.Namespace) -> int:
    """Scratch vs transfer, the four experiments (not in `dvc repro`): reports/economics/."""
    from flows.economics import economics_flow

    return run_stage(economics_flow, ["--params", options.params])


def _repro(options: argparse.Namespace) -> int:
    """`dvc repro` through the CLI, so every result lands in dvc.lock and the DVC cache."""
    return subprocess.call([sys.executable, "-m", "dvc", "repro", *options.targets])


def _stack(options: argparse.Namespace) -> int:
    """Start the local stack, register the deployments, and keep it up until Ctrl-C."""
    import time
    from pathlib import Path

    from tasks.core.runtime import state_dir
    from tasks.ops import stack
    from tasks.ops.zombies import ensure_zombie_automation

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)  # a plain `kill` must stop the services too
    signal.signal(signal.SIGHUP, stop)
    logs = stack.default_logs()
    running = stack.start_server(options.prefect_port, state_dir() / "prefect", logs)
    try:
        with stack.talking_to(running.api_url):
            ensure_zombie_automation()
        from tasks.ops.workers import start_gpu_workers

        start_gpu_workers(running, logs, options.workers)  # one process worker per GPU
        mlflow_url = stack.start_mlflow_ui(running, options.mlflow_port, logs)
        stack.deploy(Path.cwd(), running.env)
        print(f"Prefect UI: {running.api_url.removesuffix('/api')}   MLflow UI: {mlflow_url}   logs: {logs}")
        print(f"export PREFECT_API_URL={running.api_url}   # then: prefect deployment run 'pipeline/all'")
        while all(p.poll() is None for p in running.processes):
            time.sleep(1)
        print("a service stopped; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        running.stop()


def _import(options: argparse.Namespace) -> int:
    """Import a YOLO, VOC or COCO dataset into data/raw/NAME, checked, quarantined, versioned."""
    from pathlib import Path

    from flows.import_data import import_dataset, print_failure, print_result
    from tasks.data.validate_import import ValidationFailed

    params = load_params(options.params).imports if Path(options.params).exists() else None
    if options.policy:
        from tasks.core.schema_data import ImportParams

        params = (params or ImportParams()).model_copy(update={"policy": options.policy})
    try:
        print_result(import_dataset(Path(options.source), options.name, options.format, params))
    except ValidationFailed as exc:
        print_failure(exc)
        return EXIT_BAD_INPUT
    return 0


def _add_import_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("import", help="import a YOLO, Pascal VOC or COCO dataset into data/raw/NAME")
    parser.add_argument("source", help="dataset yaml or folder (YOLO), VOC folder, or COCO JSON file or folder")
    parser.add_argument("--name", required=True, help="the copy goes to data/raw/NAME")
    parser.add_argument("--format", default="auto", choices=("auto", "yolo", "voc", "coco"))
    parser.add_argument("--policy", choices=("strict", "lenient"), help="override imports.policy of params.yaml")
    parser.add_argument("--params", default="params.yaml")
    parser.set_defaults(handler=_import)


def _active_learning(options: argparse.Namespace) -> int:
    """Oracle rounds of mined vs random batches on the built-in data; not part of `dvc repro`."""
    from flows.active_learning import oracle_flow

    return run_stage(oracle_flow, ["--params", options.params])


def _architectures(options: argparse.Namespace) -> int:
    """Train and compare candidate model yamls (architectures section); not part of `dvc repro`."""
    from flows.architectures import architectures_flow

    return run_stage(architectures_flow, ["--params", options.params])


def _labels_import(options: argparse.Namespace) -> int:
    """Validate returned labels against their relabel batch, merge them into data/labels/round-N, dvc add it."""
    from pathlib import Path

    from tasks.core.paths import LABELS, RELABEL
    from tasks.mine.labels_import import import_labels
    from tasks.ops.dvc_repo import dvc

    dest, count = import_labels(Path(options.dir), RELABEL, LABELS)
    if Path(".dvc").is_dir() and not options.no_dvc:
        dvc("add", str(dest))
    print(f"imported {count} label files into {dest}; the next `dvc repro` trains on them")
    return 0


def _app(options: argparse.Namespace) -> int:
    """The FiftyOne App on 127.0.0.1 with the mining views (rebuilt from files when needed)."""
    from flows.app import serve_app

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # a plain `kill` closes the App session cleanly

    signal.signal(signal.SIGTERM, stop)
    return serve_app(load_params(options.params), options.port, options.rebuild)


def add_mining_commands(commands: argparse._SubParsersAction) -> None:
    labels = commands.add_parser("labels", help="labels taken back from labelling tools")
    actions = labels.add_subparsers(dest="action", required=True)
    importing = actions.add_parser("import", help="validate and merge a returned relabel batch (YOLO .txt files)")
    importing.add_argument("dir", help="folder with labels/*.txt (or *.txt) for images of one relabel batch")
    importing.add_argument("--no-dvc", action="store_true", help="do not `dvc add` the new version")
    importing.set_defaults(handler=_labels_import)
    app = commands.add_parser("app", help="the FiftyOne App on 127.0.0.1 with the mining views")
    app.add_argument("--params", default="params.yaml")
    app.add_argument("--port", type=int, default=5151)
    app.add_argument("--rebuild", action="store_true", help="rebuild the FiftyOne dataset from files first")
    app.set_defaults(handler=_app)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yoloop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stage = commands.add_parser("stage", help="run one stage's flow directly (no DVC bookkeeping)")
    stage.add_argument("stage", choices=STAGES)
    stage.add_argument("--params", default="params.yaml")
    stage.set_defaults(handler=_run_stage)
    check = commands.add_parser("check-params", help="validate params.yaml and report every problem")
    check.add_argument("--params", default="params.yaml")
    check.set_defaults(handler=_check_params)
    repro = commands.add_parser("repro", help="run the pipeline with dvc repro")
    repro.add_argument("targets", nargs="*")
    repro.set_defaults(handler=_repro)
    economics = commands.add_parser("economics", help="scratch vs transfer: four experiments and a report")
    economics.add_argument("--params", default="params.yaml")
    economics.set_defaults(handler=_economics)
    stack = commands.add_parser("stack", help="start Prefect server + worker (pool gpu) + MLflow UI on 127.0.0.1")
    stack.add_argument("--prefect-port", type=int, default=4200)
    stack.add_argument("--mlflow-port", type=int, default=5000)
    stack.add_argument("--workers", type=int, default=1, help="process workers on the pool gpu, worker i on GPU i")
    stack.set_defaults(handler=_stack)
    _add_import_parser(commands)
    architectures = commands.add_parser("architectures", help="train each architectures.models yaml; table + plot")
    architectures.add_argument("--params", default="params.yaml")
    architectures.set_defaults(handler=_architectures)
    add_mining_commands(commands)
    add_cluster_commands(commands)
    loop = commands.add_parser("active-learning", help="oracle rounds: mined vs random batches, label savings")
    loop.add_argument("--params", default="params.yaml")
    loop.set_defaults(handler=_active_learning)
    return parser


def main(argv: list[str] | None = None) -> None:
    options = build_parser().parse_args(argv)
    try:
        sys.exit(options.handler(options))
    except InputError as exc:
        for line in exc.lines:
            print(f"error: {line}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
