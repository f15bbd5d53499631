"""A project in a temporary folder with its own MLflow store: the one way tests isolate a project.

Its MLflow store (SQLite in the folder) and its FiftyOne dataset name are its own, so no test
sees another's runs, registered models, champion or FiftyOne samples, whatever order they run in.
`enter` makes it the current directory and sets $MLFLOW_TRACKING_URI through a MonkeyPatch, so both
come back however the test ends; subprocesses (tests' `python`, `dvc repro`) inherit the variable.
It sets MLflow's process-wide URI too: `mlflow.set_tracking_uri` (the stages call it) outlives the
test otherwise, and every later test in this process would read or write this project's store.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tasks.core import Params, load_params, state_dir
from testkit.processes import copy_project
from testkit.profiles import TINY, write_params


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.root / 'mlflow.db'}"

    @property
    def fiftyone_dataset(self) -> str:
        """A FiftyOne dataset name of this project's own: the session's tests share one database."""
        return "t" + hashlib.sha256(str(self.root).encode()).hexdigest()[:12]

    def own_names(self) -> dict[str, Any]:
        return {"mine": {"fiftyone_dataset": self.fiftyone_dataset}}

    def write_params(self, *overrides: dict[str, Any], name: str = "params.yaml") -> Path:
        """The tiny profile, then `overrides`, then this project's own names; returns the file."""
        return write_params(self.root / name, TINY, *overrides, self.own_names())

    def update_params(self, *overrides: dict[str, Any], name: str = "params.yaml") -> Path:
        """This project's params file with `overrides` merged in, the rest as it was; returns the file."""
        path = self.root / name
        return write_params(path, *overrides, base=path)

    def params(self, name: str = "params.yaml") -> Params:
        return load_params(self.root / name)

    def mlflow(self):
        from mlflow import MlflowClient

        return MlflowClient(self.tracking_uri)

    def register_champion(self, name: str, names: list[str]) -> str:
        """A version of `name` that knows `names` (its weights a placeholder: only its MLmodel is read), as champion."""
        from tasks.core import Layout, TrackingParams
        from tasks.tracking import register_weights, stage_run

        weights = self.root / "placeholder.pt"
        weights.write_bytes(b"not read")
        params = TrackingParams(registered_model=name)
        with stage_run(params, "register", {}, Layout(self.root)):
            version = register_weights(weights, params, names)
        self.mlflow().set_registered_model_alias(name, "champion", version)
        return version

    def enter(self, patch: pytest.MonkeyPatch) -> Project:
        """Make this project the current directory and its store MLflow's, until `patch` is undone."""
        from mlflow.tracking._tracking_service import utils as mlflow_uri

        patch.chdir(self.root)
        patch.setenv("MLFLOW_TRACKING_URI", self.tracking_uri)
        patch.setattr(mlflow_uri, "_tracking_uri", self.tracking_uri)
        return self

    @contextmanager
    def active(self) -> Iterator[Project]:
        """`enter` for fixtures wider than a test (module, session), where `monkeypatch` is not available."""
        with pytest.MonkeyPatch.context() as patch:
            yield self.enter(patch)

    def run(self, *stage_flows: Callable[[Params, Path], Any], params: str = "params.yaml") -> list[Any]:
        """Each flow in turn, as `(params, root)`, with this project active; their results.

        For fixtures wider than a test (in a test, the project `make_project` made is already entered)."""
        with self.active():
            return [stage_flow(self.params(params), self.root) for stage_flow in stage_flows]

    def copy_to(self, dest: Path) -> Project:
        """A copy of every file (data, models, the MLflow store) that is a project of its own; not its scratch."""
        shutil.copytree(self.root, dest, ignore=lambda folder, _: [".yoloop"] if Path(folder) == self.root else [])
        copy = Project(dest)
        copy.update_params(copy.own_names())
        return copy


def empty_tracking_store() -> Path:
    """An MLflow SQLite store with its tables made, once per test process (in its state folder).

    A new store runs MLflow's database migrations on first use, seconds each time; a project starts
    with a copy of this one instead. The tests that start an `mlflow server` of their own
    (test_store_down, test_cluster) still make new stores.
    """
    template = state_dir() / "empty-mlflow.db"
    if not template.exists():
        from mlflow import MlflowClient

        building = template.with_suffix(".building")
        MlflowClient(f"sqlite:///{building}").search_experiments()
        building.rename(template)
    return template


def new_project(root: Path, *overrides: dict[str, Any], repo: bool = False) -> Project:
    """A project in `root` (a new folder) with the tiny params and `overrides`, and an empty MLflow store.

    With `repo`, `root` is a git copy of this checkout (dvc.yaml, code), as `dvc repro` needs.
    """
    if repo:
        copy_project(root)
    else:
        root.mkdir(parents=True)
    project = Project(root)
    shutil.copy2(empty_tracking_store(), root / "mlflow.db")
    project.write_params(*overrides)
    return project
