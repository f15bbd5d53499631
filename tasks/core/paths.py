"""Where each stage reads and writes: the project's folders under one explicit root.

The root is the repository, where DVC runs every stage; `project_root` decides it once
(the stage entry and the CLI call it) and every task takes it, so no task relies on the
current directory. dvc.yaml names the same folders relative to the root; a stage never
writes outside its declared outputs, except into the scratch folder, which no one versions.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path


def project_root(repo: str | Path = os.curdir) -> Path:
    """The repository the stages run in: `repo`, by default the current directory, where DVC runs every stage (and
    the CLI and the deployments run). It stays relative (`.`), so every path a stage prints or records is named from
    the root as dvc.yaml names it."""
    return Path(repo)


class ProjectPath:
    """A folder (or file) of the project, named from its root as dvc.yaml names it; read on a Layout, a Path."""

    def __init__(self, relative: str):
        self.relative = Path(relative)

    def __get__(self, layout: Layout, owner: type) -> Path:
        return layout.root / self.relative


@dataclass(frozen=True)
class Layout:
    """The folders of a project at `root`."""

    root: Path

    raw = ProjectPath("data/raw")  # imported datasets (`yoloop import`), read-only, each `dvc add`ed
    prepared = ProjectPath("data/prepared")
    pool = ProjectPath("data/pool")
    oracle = ProjectPath("data/oracle")  # the built-in pool's true boxes, kept aside for the simulated labeller
    relabel = ProjectPath("data/relabel")  # relabel batches handed out by `mine`, one folder per round
    labels = ProjectPath("data/labels")  # labels taken back by `yoloop labels import`, one folder per round
    models = ProjectPath("models")
    metrics = ProjectPath("metrics")
    reports = ProjectPath("reports")
    # This checkout's own scratch (git ignores .yoloop/): two runs in two checkouts on one machine, say two
    # workers sharing YOLOOP_STATE_DIR, never stage into or clean up each other's folders.
    scratch = ProjectPath(".yoloop/work")  # staged data, one folder per stage
    runs = ProjectPath(".yoloop/runs")  # training run folders named by fingerprint (tasks/train/checkpoints.py)

    def model_dir(self, stage: str) -> Path:
        """models/<stage>: the weights and card a training stage publishes."""
        return self.models / stage

    def key(self, path: Path) -> str:
        """How records (manifests, reports, the FiftyOne index) name a file: its path from the root.

        Records never hold where the checkout happens to lie, so the same data gives the same
        DVC outputs on every machine and keys match across rounds.
        """
        return (path.relative_to(self.root) if path.is_relative_to(self.root) else path).as_posix()

    def fresh_scratch(self, name: str) -> Path:
        """An empty working folder for one stage (staged data, Ultralytics run folders), as an absolute path:
        Ultralytics reads a relative one from its own folders, not from the current directory."""
        path = (self.scratch / name).resolve()
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path
