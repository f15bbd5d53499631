"""A training stage's MLflow run, kept by a process of its own beside the training.

Importing MLflow and opening its store (a new SQLite store runs its migrations first), checking
that the champion knows the dataset's classes, and MLflow's first registration in a process
(which maps every installed package to its modules first) cost each train or transfer stage a
fixed 4 to 5 s that a plain `yolo train` does not pay (benchmarks/train_overhead.py). A thread
beside the training gained nothing: that work is Python and holds the interpreter lock that the
training loop needs. Here a child process (`python -m tasks.train.tracking_sidecar`) does it on
another core while the stage trains (on a CPU Ultralytics trains with one thread on two cores);
the stage itself never imports MLflow.

The stage and its sidecar talk over a socket pair, one JSON line per request and one per reply,
in order: `open` (the checks, the store, the run with its params and tags), `log_metrics`,
`register` (the weights as a pyfunc, a new version and its lineage tags), `log_artifacts`, `end`.
An InputError in the sidecar (a champion of other classes; a store that stopped answering,
tasks/ops/tracking_store.StoreDown) is raised in the stage with its lines, so the stage exits 2
as before; one raised by `open` stops the training at its next batch, and the end of the first
epoch waits for `open`'s answer, so no checkpoint is saved by a stage that may not train. The run
is owned (tasks/ops/tracking.owner_tags) by the stage's process, not by the sidecar.
The sidecar dies with the stage however the stage dies (a parent-death signal); the run it left
RUNNING is then marked KILLED by the next run of the stage (tasks/ops/tracking.end_dead_runs).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tasks.core.errors import InputError
from tasks.core.paths import Layout
from tasks.core.prefect_server import parent_death_signal
from tasks.core.runtime import CODE_ROOT
from tasks.core.schema import TrackingParams
from tasks.evaluate.champion_classes import check_champion_classes
from tasks.ops import tracking as mlflow_tracking
from tasks.ops.tracking_store import StoreDown, reachable_tracking_uri, store_answers

END_TIMEOUT_S = 60.0


class SidecarFailed(RuntimeError):
    """The sidecar died, or failed on something other than bad input (a defect: its traceback is kept)."""


class TrackingSidecar:
    """The stage's side: requests out, replies in, in order; `open` is sent at the start and answered later."""

    def __init__(self, process: subprocess.Popen, channel: socket.socket):
        self.process, self._channel = process, channel
        self._replies = channel.makefile("r", encoding="utf-8")
        self._opened: str | InputError | SidecarFailed | None = None  # the run's id, or what `open` raised

    @classmethod
    def start(
        cls, tracking: TrackingParams, stage: str, params: dict[str, Any], layout: Layout, classes: list[str]
    ) -> TrackingSidecar:
        reachable_tracking_uri()  # a tracking server that refuses connections stops the stage now, before any work
        ours, theirs = socket.socketpair()
        python_path = os.pathsep.join(filter(None, [str(CODE_ROOT), os.environ.get("PYTHONPATH")]))
        process = subprocess.Popen(
            [sys.executable, "-m", "tasks.train.tracking_sidecar", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env={**os.environ, "PYTHONPATH": python_path},
            stdin=subprocess.DEVNULL,
            preexec_fn=parent_death_signal(),
        )
        theirs.close()
        sidecar = cls(process, ours)
        opening = {"tracking": tracking.model_dump(), "stage": stage, "params": params, "classes": classes}
        sidecar._send("open", **opening, root=str(layout.root), owner_pid=os.getpid())
        return sidecar

    def _send(self, do: str, **args: Any) -> None:
        try:
            self._channel.sendall((json.dumps({"do": do, "args": args}, default=str) + "\n").encode())
        except OSError as exc:
            raise self._died() from exc

    def _died(self) -> SidecarFailed:
        return SidecarFailed(f"the MLflow sidecar (pid {self.process.pid}) exited with {self.process.wait()}")

    def _reply(self) -> Any:
        line = self._replies.readline()
        if not line:
            raise self._died()
        reply = json.loads(line)
        if "input_error" in reply:
            raise (StoreDown if reply["store_down"] else InputError)(reply["input_error"])
        if "error" in reply:
            raise SidecarFailed(f"the MLflow sidecar failed:\n{reply['error']}")
        return reply["ok"]

    def run_id(self) -> str:
        """The run's id, once `open` is answered (waiting for it the first time); what `open` raised, every time."""
        if self._opened is None:
            try:
                self._opened = self._reply()
            except (InputError, SidecarFailed) as exc:
                self._opened = exc
        if not isinstance(self._opened, str):
            raise self._opened
        return self._opened

    def stop_if_failed(self, *_: Any) -> None:
        """Raise what `open` raised once its answer is in (a batch callback: never waits)."""
        if self._opened is None and select.select([self._channel], [], [], 0)[0]:
            self.run_id()

    def wait_until_open(self, *_: Any) -> None:
        """Wait for `open`'s answer and raise what it raised (an epoch-end callback: Ultralytics saves the epoch's
        checkpoint after it, so a stage that may not train keeps none)."""
        self.run_id()

    def call(self, do: str, **args: Any) -> Any:
        self.run_id()
        self._send(do, **args)
        return self._reply()

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        self.call("log_metrics", metrics={k: float(v) for k, v in metrics.items()}, step=step)

    def register(self, weights: Path, names: list[str], tags: dict[str, Any]) -> str:
        """Log `weights` as the run's pyfunc model, register a new version, tag it; the version."""
        return self.call("register", weights=str(weights), names=names, tags=tags)

    def log_artifacts(self, paths: list[Path]) -> None:
        self.call("log_artifacts", paths=[str(p) for p in paths])

    def end(self, status: str) -> None:
        """End the run with `status` and let the sidecar exit (at once when `open` failed: there is no run)."""
        try:
            self.call("end", status=status)
        finally:
            self._replies.close()  # the socket closes with its last file: the sidecar reads the end of its input
            self._channel.close()
            try:
                self.process.wait(timeout=END_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def sidecar_run(
    tracking: TrackingParams, stage: str, params: dict[str, Any], layout: Layout, classes: list[str]
) -> Iterator[TrackingSidecar]:
    """The stage's MLflow run kept by a sidecar: opened at once (checking that the champion knows `classes`), ended
    FINISHED when the body returns, FAILED when it raises (the body's error is the one raised)."""
    sidecar = TrackingSidecar.start(tracking, stage, params, layout, classes)
    try:
        yield sidecar
    except BaseException:
        with contextlib.suppress(InputError, SidecarFailed):  # the body's error says more
            sidecar.end("FAILED")
        raise
    sidecar.end("FINISHED")


class Sidecar:
    """The sidecar's side: the run of one stage, and what each request does to it."""

    def __init__(self) -> None:
        self.tracking: TrackingParams | None = None

    def open(self, tracking: dict, stage: str, params: dict, classes: list[str], root: str, owner_pid: int) -> str:
        self.tracking = TrackingParams(**tracking)
        check_champion_classes(self.tracking, classes)
        experiment_id = mlflow_tracking.open_store(self.tracking, stage)
        tags = mlflow_tracking.run_tags(stage, Layout(Path(root)), owner_pid)
        return mlflow_tracking.start_stage_run(experiment_id, stage, params, tags).info.run_id

    def log_metrics(self, metrics: dict[str, float], step: int | None) -> None:
        mlflow_tracking.log_metrics(metrics, step=step)

    def register(self, weights: str, names: list[str], tags: dict[str, Any]) -> str:
        assert self.tracking is not None, "register before open"
        version = mlflow_tracking.register_weights(Path(weights), self.tracking, names)
        mlflow_tracking.tag_model_version(self.tracking, version, tags)
        return version

    def log_artifacts(self, paths: list[str]) -> None:
        mlflow_tracking.log_artifacts([Path(p) for p in paths])

    def end(self, status: str) -> None:
        import mlflow

        mlflow.end_run(status)


def answer(sidecar: Sidecar, request: dict) -> dict:
    """One request carried out: {"ok": result}, {"input_error": lines, "store_down": bool} or {"error": traceback}."""
    try:
        with store_answers():
            return {"ok": getattr(sidecar, request["do"])(**request["args"])}
    except InputError as exc:
        return {"input_error": exc.lines, "store_down": isinstance(exc, StoreDown)}
    except Exception:
        return {"error": traceback.format_exc()}


def serve(channel: socket.socket) -> None:
    sidecar, requests = Sidecar(), channel.makefile("r", encoding="utf-8")
    for line in requests:
        request = json.loads(line)
        channel.sendall((json.dumps(answer(sidecar, request)) + "\n").encode())
        if request["do"] == "open":  # the registration's package map, built while the stage trains
            mlflow_tracking.prepare_registration()
        if request["do"] == "end":
            gc.freeze()  # what is left is garbage: exit without the last collections' 2 s (flows/stage.py)
            return


if __name__ == "__main__":
    from tasks.core.runtime import configure

    configure()
    serve(socket.socket(fileno=int(sys.argv[1])))
