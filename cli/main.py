"""The `yoloop` command: what a user can do, one command each, in the order of a round.

Every command is a thin call into tasks/ or a flow of flows/; the work is there. Bad input anywhere
below (an InputError: params, data, a store that does not answer) prints one `error: ...` line per
problem and exits 2, as a full disk does; any other error is a defect and keeps its traceback.
Libraries are imported inside the commands, so `yoloop --help` and completion stay quick.
"""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from cli import predict as predict_command
from cli import transfer_modes as transfer_modes_command
from cli.options import DEFAULT_PARAMS, ParamsFile
from cli.zoo import zoo_app
from tasks.core import EXIT_BAD_INPUT, InputError, disk_full_or_raise, print_input_error, project_root

# The options several commands share, declared once (cli/options.py has those of the sub-apps too).
NoDvc = Annotated[bool, typer.Option("--no-dvc", help="Do not `dvc add` the new version.")]
Round = Annotated[
    int | None,
    typer.Option("--round", help="The relabel round (default: mine.round of the params).", show_default=False),
]
Stage = Literal["prepare", "train", "transfer", "evaluate", "mine"]


class YoloopGroup(TyperGroup):
    """The command tree: bad input below any command is `error: ...` lines and exit 2."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            raise typer.Exit(print_input_error(exc)) from None
        except OSError as exc:  # a full disk, named; any other OSError is raised again as it was
            raise typer.Exit(print_input_error(disk_full_or_raise(exc, f"yoloop {ctx.invoked_subcommand}"))) from None


app = typer.Typer(
    name="yoloop",
    cls=YoloopGroup,
    help="Data-centric object detection as a reproducible loop: import, train, evaluate, mine, relabel, again.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
labels_app = typer.Typer(help="Labels taken back from labelling tools (and batches sent to Label Studio).")
remote_app = typer.Typer(help="The shared DVC remote.")
results_app = typer.Typer(help="Results that deployments pushed as branches.")
app.add_typer(labels_app, name="labels", no_args_is_help=True)
app.add_typer(remote_app, name="remote", no_args_is_help=True)
app.add_typer(results_app, name="results", no_args_is_help=True)
app.add_typer(zoo_app, name="zoo", no_args_is_help=True)


def done(code: int) -> None:
    """End the command with `code` (the command line's exit status)."""
    raise typer.Exit(code)


def run_flow(module: str, name: str, params: Path) -> int:
    """Run a flow of flows/ the way its stage entry does: params validated first, bad input exit 2."""
    from tasks.orchestration import run_stage

    return run_stage(getattr(importlib.import_module(module), name), ["--params", str(params)])


def stop_on_sigterm() -> None:
    """A plain `kill` stops a long-running command as Ctrl-C does, through its cleanup."""

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


# --- getting data in ----------------------------------------------------------------------------------------


@app.command(
    "import",
    epilog="Examples:\n\n"
    "    yoloop import ../datasets/plysaci/2plysaci.yaml --name 2plysaci\n\n"
    "    yoloop import exports/voc --name parts --format voc --policy strict\n\n"
    "    yoloop import ~/photos --name pool --unlabelled --fps 2",
)
def import_command(
    source: Annotated[
        Path, typer.Argument(metavar="SOURCE", help="Dataset yaml or folder (YOLO, VOC, COCO), COCO JSON, or photos.")
    ],
    name: Annotated[str, typer.Option("--name", help="The copy goes to data/raw/NAME.")],
    fmt: Annotated[Literal["auto", "yolo", "voc", "coco"], typer.Option("--format", help="The layout.")] = "auto",
    policy: Annotated[
        Literal["strict", "lenient"] | None, typer.Option(help="Override imports.policy of the params.")
    ] = None,
    unlabelled: Annotated[
        bool, typer.Option("--unlabelled", help="Photos and videos without labels: the pool.")
    ] = False,
    fps: Annotated[
        float | None, typer.Option(help="--unlabelled: video frames per second (imports.video_fps).")
    ] = None,
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Import a YOLO, VOC or COCO dataset (or unlabelled photos) into data/raw/NAME: checked, quarantined, versioned."""
    from tasks.core import ImportParams, Layout, load_params
    from tasks.data import ValidationFailed, import_dataset

    section = load_params(params).imports if params.exists() else ImportParams()
    section = section.model_copy(
        update={k: v for k, v in {"policy": policy, "video_fps": fps}.items() if v is not None}
    )
    try:
        result = import_dataset(source, name, fmt, section, raw=Layout(project_root()).raw, unlabelled=unlabelled)
    except ValidationFailed as exc:
        print_import_failure(exc)
        done(EXIT_BAD_INPUT)
    print_import_result(result)


def print_import_result(result: Any) -> None:
    from tasks.core import RAW_MANIFEST

    report = result.report
    print(result.summary)
    print(
        f"images: {report['images']}, backgrounds: {report['backgrounds']}, quarantined: {len(report['quarantined'])}"
    )
    print(f"copy: {result.dest}  (report: {result.dest / 'report.txt'}, manifest: {result.dest / RAW_MANIFEST})")
    print(result.versioning)


def print_import_failure(exc: Any) -> None:
    from tasks.core import summarize

    print(summarize(exc.findings, "import stopped (policy: strict); nothing was written"))


@app.command("check-params", epilog="Example:\n\n    yoloop check-params --params params.yaml")
def check_params(params: ParamsFile = DEFAULT_PARAMS) -> None:
    """Validate the params and report every problem; a champion of `tracking.registered_model` must know some of
    prepare's classes, and each start model (`train.model`, `transfer.from`) must be here, or be one the params
    allow to download (`project.downloads`): one line says where each is."""
    from tasks.core import load_params
    from tasks.tracking import check_champion_classes
    from tasks.train import check_start

    loaded = load_params(params)
    check_champion_classes(loaded.tracking, loaded.prepare.classes.all)
    starts = {"train.model": loaded.train.model, "transfer.from": loaded.transfer.source}
    lines, problems = [], []
    for key, text in starts.items():
        try:
            lines.append(check_start(text, key, loaded.project, project_root(), params))
        except InputError as exc:
            problems.extend(exc.lines)
    if problems:
        raise InputError(problems)
    print("\n".join(lines))
    print(f"{params}: valid")


# --- the pipeline -------------------------------------------------------------------------------------------


@app.command(epilog="Examples:\n\n    yoloop repro\n\n    yoloop repro evaluate")
def repro(
    targets: Annotated[list[str] | None, typer.Argument(metavar="TARGETS", help="Stages (default: all).")] = None,
) -> None:
    """Run the pipeline with `dvc repro`, one at a time per workspace, every stage reporting to one Prefect server.

    Every result lands in dvc.lock and the DVC cache. The server is PREFECT_API_URL's, or one started here and
    stopped after; on it, a stage killed mid-run is marked Crashed once its heartbeats stop.
    """
    from tasks.orchestration import ensure_zombie_automation, serving, talking_to
    from tasks.versioning import dvc_env, repro_lock

    with repro_lock(project_root()), serving() as api_url:
        with talking_to(api_url):
            ensure_zombie_automation()
        # dvc_env: the stages' `python` is this interpreter, also when its venv is not activated
        done(subprocess.call([sys.executable, "-m", "dvc", "repro", *(targets or [])], env=dvc_env()))


@app.command(epilog="Examples:\n\n    yoloop stage train\n\n    yoloop stage mine --params experiments/mine.yaml")
def stage(
    name: Annotated[Stage, typer.Argument(metavar="STAGE", help="The stage to run.")],
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Run one stage's flow directly (no DVC bookkeeping)."""
    done(run_flow(f"flows.{name}", f"{name}_flow", params))


@app.command(epilog="Example:\n\n    yoloop economics --params params.yaml")
def economics(params: ParamsFile = DEFAULT_PARAMS) -> None:
    """Scratch vs transfer: four experiments and a report in reports/economics (not part of `dvc repro`)."""
    done(run_flow("flows.economics", "economics_flow", params))


@app.command(epilog="Example:\n\n    yoloop architectures")
def architectures(params: ParamsFile = DEFAULT_PARAMS) -> None:
    """Train each model yaml of `architectures.models` on the same data: a table and a plot (not in `dvc repro`)."""
    done(run_flow("flows.architectures", "architectures_flow", params))


app.command("transfer-modes", epilog=transfer_modes_command.EPILOG)(transfer_modes_command.transfer_modes)


@app.command("active-learning", epilog="Example:\n\n    yoloop active-learning")
def active_learning(params: ParamsFile = DEFAULT_PARAMS) -> None:
    """Oracle rounds of each selection strategy against random, over repeats, with intervals (not in `dvc repro`)."""
    done(run_flow("flows.active_learning", "oracle_flow", params))


# --- labels out and back ------------------------------------------------------------------------------------


@labels_app.command(
    "import",
    epilog="Examples:\n\n    yoloop labels import returned/round-1\n\n    yoloop labels import cvat-export --no-dvc",
)
def labels_import(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="labels/*.txt (or *.txt) for one relabel batch.")],
    no_dvc: NoDvc = False,
) -> None:
    """Validate returned labels against their relabel batch, merge them into data/labels/round-N, `dvc add` it."""
    from tasks.core import Layout
    from tasks.labelling import import_labels
    from tasks.versioning import dvc_add

    layout = Layout(project_root())
    dest, count = import_labels(folder, layout.relabel, layout.labels)
    if not no_dvc:
        dvc_add(dest)
    print(f"imported {count} label files into {dest}; the next `dvc repro` trains on them")


def relabel_batch(round_number: int | None, params: Path) -> Path:
    """data/relabel/round-N of the project: N from --round, else mine.round of the params."""
    from tasks.core import Layout, load_params

    number = round_number if round_number is not None else load_params(params).mine.round
    return Layout(project_root()).relabel / f"round-{number}"


def label_studio_client() -> tuple[Any, Path]:
    """A client of the Label Studio that `yoloop labelstudio` started, and its document root."""
    from tasks.labelling import LabelStudio, running_server

    url, token, document_root = running_server()
    return LabelStudio(url, token), document_root


@labels_app.command(epilog="Examples:\n\n    yoloop labels push\n\n    yoloop labels push --round 2")
def push(round_number: Round = None, params: ParamsFile = DEFAULT_PARAMS) -> None:
    """Send relabel round N to Label Studio, the drafts as predictions."""
    from tasks.labelling import push_batch

    client, document_root = label_studio_client()
    pushed = push_batch(client, relabel_batch(round_number, params), document_root)
    verb = "created" if pushed.created else "reused"
    print(
        f"{verb} project {pushed.project}: {pushed.imported} tasks imported with {pushed.predictions} draft "
        f"predictions ({pushed.already_there} were there already): {pushed.url}"
    )


@labels_app.command(epilog="Examples:\n\n    yoloop labels pull\n\n    yoloop labels pull --round 2 --no-dvc")
def pull(round_number: Round = None, params: ParamsFile = DEFAULT_PARAMS, no_dvc: NoDvc = False) -> None:
    """Take round N's finished annotations back from Label Studio, then run exactly `yoloop labels import` on them."""
    from tasks.core import state_dir
    from tasks.labelling import pull_batch

    client, _ = label_studio_client()
    pulled = pull_batch(client, relabel_batch(round_number, params), state_dir() / "labelstudio" / "pulls")
    print(f"{len(pulled.finished)} tasks finished; exported to {pulled.returned}")
    for kind, files in (("unfinished", pulled.unfinished), ("skipped", pulled.skipped)):
        if files:
            print(f"{len(files)} tasks {kind}, not imported (not as empty either): {', '.join(files)}")
    command = [sys.executable, "-m", "cli", "labels", "import", str(pulled.returned)]
    done(subprocess.call(command + (["--no-dvc"] if no_dvc else [])))


# --- services -----------------------------------------------------------------------------------------------


@app.command(epilog="Examples:\n\n    yoloop stack\n\n    yoloop stack --workers 2 --labelstudio")
def stack(
    prefect_port: Annotated[int, typer.Option(help="The Prefect server's port.")] = 4200,
    mlflow_port: Annotated[int, typer.Option(help="The MLflow UI's port.")] = 5000,
    labelstudio: Annotated[bool, typer.Option("--labelstudio", help="Start Label Studio too.")] = False,
    labelstudio_port: Annotated[int, typer.Option(help="Label Studio's port.")] = 8080,
    workers: Annotated[int, typer.Option(help="Process workers on the pool gpu, worker i on GPU i.")] = 1,
) -> None:
    """Start the Prefect server, workers (pool gpu) and the MLflow UI on 127.0.0.1, register the deployments, and
    keep them up until Ctrl-C."""
    from tasks.orchestration import run_stack

    done(run_stack(project_root(), prefect_port, mlflow_port, labelstudio_port if labelstudio else None, workers))


@app.command(epilog="Examples:\n\n    yoloop labelstudio\n\n    yoloop labelstudio --port 8081")
def labelstudio(port: Annotated[int, typer.Option(help="Label Studio's port.")] = 8080) -> None:
    """Label Studio on 127.0.0.1 serving the relabel batches (data/relabel), until Ctrl-C or SIGTERM."""
    from tasks.core import Layout, state_dir
    from tasks.labelling import serve_label_studio

    done(serve_label_studio(port, Layout(project_root()).relabel, state_dir() / "logs"))


@app.command("app", epilog="Examples:\n\n    yoloop app\n\n    yoloop app --rebuild --port 5152")
def fiftyone_app(
    params: ParamsFile = DEFAULT_PARAMS,
    port: Annotated[int, typer.Option(help="The App's port.")] = 5151,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the FiftyOne dataset from files first.")] = False,
) -> None:
    """The FiftyOne App on 127.0.0.1 with the mining views (the index rebuilt from files when needed)."""
    from tasks.core import load_params
    from tasks.index import serve_app

    stop_on_sigterm()  # a plain `kill` closes the App session cleanly
    done(serve_app(load_params(params), project_root(), port, rebuild))


@app.command(epilog="Examples:\n\n    yoloop report\n\n    yoloop report --model fruit-detector --open")
def report(
    params: ParamsFile = DEFAULT_PARAMS,
    model: Annotated[
        str | None,
        typer.Option("--model", help="A registered model (default: tracking.registered_model).", show_default=False),
    ] = None,
    open_page: Annotated[bool, typer.Option("--open", help="Open it in the default browser too.")] = False,
) -> None:
    """Write the loop page of one registered model (reports/loop/index.html for the params' own, reports/loop/NAME/
    for another) and print its path."""
    from tasks.core import Layout, load_params
    from tasks.loop import write_loop_page

    page = write_loop_page(load_params(params), Layout(project_root()), model=model).resolve()
    print(page)
    if open_page:
        import webbrowser

        webbrowser.open(page.as_uri())


app.command("predict", epilog=predict_command.EPILOG)(predict_command.predict)


# --- more than one machine ----------------------------------------------------------------------------------


@remote_app.command(epilog="Example:\n\n    yoloop remote check")
def check() -> None:
    """Check that the default DVC remote answers and takes the credentials (what every clone run checks first)."""
    from tasks.versioning import check_remote

    print(check_remote(project_root()))


@results_app.command("pull", epilog="Examples:\n\n    yoloop results pull\n\n    yoloop results pull yoloop/runs/RUN")
def results_pull(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="A run's result as listed, such as yoloop/runs/RUN.")
    ] = None,
    origin: Annotated[str, typer.Option(help="The git remote the runs pushed to.")] = "origin",
) -> None:
    """Fetch the result branches that runs pushed; with NAME, switch to it and `dvc pull` its outputs."""
    from tasks.versioning import checkout_result, fetch_results

    names = fetch_results(project_root(), origin)
    if not name:
        print("\n".join(names) if names else f"no results on {origin} yet")
        return
    print(checkout_result(project_root(), name, origin))


def main(argv: list[str] | None = None) -> None:
    """The `yoloop` console script."""
    app(args=argv, prog_name="yoloop")
