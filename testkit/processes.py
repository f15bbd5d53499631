"""Running the project's commands in subprocesses, as a user would, with this checkout's code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent  # the checkout this code came from
KEPT_DATA_FILES = {"data/labels/README.md", "data/raw/README.md"}  # keep data/labels and data/raw, deps of `prepare`
# A stage run as a subprocess without PREFECT_API_URL (the tests' session server) starts a Prefect server of its
# own (tasks/orchestration/server.py); on a busy machine it can need more than Prefect's default start-up timeout,
# and the stage then exits 1 before doing anything. Defaults only: the environment wins.
BUSY_MACHINE_ENV = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
# FiftyOne puts the port of the mongod it started into os.environ, so that child processes join that mongod
# whatever their FIFTYONE_DATABASE_DIR: a command started here must start (or find) the mongod of its own folder.
PARENT_ONLY_ENV = ("FIFTYONE_PRIVATE_DATABASE_PORT",)


def project_env(**extra: str) -> dict[str, str]:
    """The test interpreter first on PATH (dvc.yaml runs `python -m ...`) and this checkout importable."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    python_path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    inherited = {key: value for key, value in os.environ.items() if key not in PARENT_ONLY_ENV}
    return {**BUSY_MACHINE_ENV, **inherited, "PATH": path, "PYTHONPATH": python_path, **extra}


def run(
    *args: str, cwd: Path, check: bool = True, timeout: int = 1800, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`args` in `cwd` with the project's environment (plus `env`); asserts success unless `check` is off."""
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=project_env(**(env or {}))
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def python(
    *args: str, cwd: Path, check: bool = True, timeout: int = 1800, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return run(sys.executable, *args, cwd=cwd, check=check, timeout=timeout, env=env)


def copy_project(dest: Path) -> Path:
    """The project's files as git sees them (tracked or not ignored), in a new git repository."""
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=PROJECT).stdout
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        generated = name.startswith(("data/", "models/", "metrics/", "reports/")) and name not in KEPT_DATA_FILES
        if source.is_file() and not generated:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return init_repo(dest, dvc=False, commit=True)


def init_repo(root: Path, dvc: bool = True, commit: bool = False) -> Path:
    """`root` (made if missing) as a git repository, with `dvc init` unless told not, its files committed if asked.

    What `yoloop import` and `labels import` need to `dvc add` into, as a user's repository would be.
    """
    root.mkdir(parents=True, exist_ok=True)
    run("git", "init", "-q", cwd=root)
    if dvc:
        python("-m", "dvc", "init", "-q", cwd=root)
    if commit:
        run("git", "add", "-A", cwd=root)
        run("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init", cwd=root)
    return root
