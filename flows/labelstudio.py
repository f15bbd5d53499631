"""CLI wiring for Label Studio: `yoloop labelstudio`, `yoloop labels push`, `yoloop labels pull`.

The work is in tasks/ops/labelstudio_server.py (the server) and tasks/labelling/ (push, pull);
pull hands its files to `yoloop labels import`, the same command a person runs by hand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from flows.stage import project_root
from tasks.core.paths import Layout
from tasks.core.runtime import state_dir

DEFAULT_PORT = 8080


def _batch(options: argparse.Namespace) -> Path:
    """data/relabel/round-N of the project: N from --round, else mine.round of the params."""
    from tasks.core.params import load_params

    number = options.round if options.round is not None else load_params(options.params).mine.round
    return Layout(project_root()).relabel / f"round-{number}"


def _client():
    from tasks.labelling.labelstudio_api import LabelStudio
    from tasks.ops.labelstudio_server import running_server

    url, token, document_root = running_server()
    return LabelStudio(url, token), document_root


def _serve(options: argparse.Namespace) -> int:
    """Start Label Studio on 127.0.0.1 serving data/relabel, print how to log in, run until Ctrl-C or SIGTERM."""
    from tasks.ops.labelstudio_server import serve_label_studio

    return serve_label_studio(options.port, Layout(project_root()).relabel, state_dir() / "logs")


def _push(options: argparse.Namespace) -> int:
    from tasks.labelling.labelstudio import push_batch

    client, document_root = _client()
    pushed = push_batch(client, _batch(options), document_root)
    verb = "created" if pushed.created else "reused"
    print(
        f"{verb} project {pushed.project}: {pushed.imported} tasks imported with {pushed.predictions} draft "
        f"predictions ({pushed.already_there} were there already): {pushed.url}"
    )
    return 0


def _pull(options: argparse.Namespace) -> int:
    """Export the finished annotations, then run exactly `yoloop labels import` on them."""
    from tasks.labelling.labelstudio import pull_batch

    client, _ = _client()
    pulled = pull_batch(client, _batch(options), state_dir() / "labelstudio" / "pulls")
    print(f"{len(pulled.finished)} tasks finished; exported to {pulled.returned}")
    for kind, files in (("unfinished", pulled.unfinished), ("skipped", pulled.skipped)):
        if files:
            print(f"{len(files)} tasks {kind}, not imported (not as empty either): {', '.join(files)}")
    command = [sys.executable, "-m", "flows.cli", "labels", "import", str(pulled.returned)]
    return subprocess.call(command + (["--no-dvc"] if options.no_dvc else []))


def add_labelstudio_command(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("labelstudio", help="Label Studio on 127.0.0.1 serving the relabel batches")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.set_defaults(handler=_serve)


def add_push_pull_actions(actions: argparse._SubParsersAction) -> None:
    for name, handler, text in (
        ("push", _push, "send relabel round N to Label Studio (drafts as predictions)"),
        ("pull", _pull, "take round N's finished annotations back from Label Studio, then `labels import`"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--round", type=int, help="the relabel round (default: mine.round of params.yaml)")
        action.add_argument("--params", default="params.yaml")
        if name == "pull":
            action.add_argument("--no-dvc", action="store_true", help="do not `dvc add` the new version")
        action.set_defaults(handler=handler)
