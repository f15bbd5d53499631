"""DVC as the record of every result: the operations flows run it instead of calling stages.

A deployment that trains runs `dvc repro` (or `dvc exp run -S key=value`) in the
repository, so whatever machine ran it, the results land in dvc.lock and the DVC cache,
then pushes them to the DVC remote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tasks.core import InputError


class DvcError(RuntimeError):
    """A DVC command failed; the message carries the end of its output."""


def dvc_env() -> dict[str, str]:
    """dvc.yaml runs `python -m flows.<stage>`: this interpreter must come first on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def dvc(*args: str, repo: Path) -> str:
    """Run one DVC command in `repo` and return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=repo, capture_output=True, text=True, env=dvc_env(), check=False
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise DvcError(f"dvc {' '.join(args)} failed in {repo} (exit {result.returncode}):\n{tail}")
    return result.stdout


def set_flags(overrides: dict[str, Any]) -> list[str]:
    """`-S key=value` flags for `dvc exp run`; values are written as YAML so types survive."""
    flags: list[str] = []
    for key, value in overrides.items():
        if not key or " " in key:
            raise InputError(f"param override {key!r}: expected a dotted key such as train.epochs")
        flags += ["-S", f"{key}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"]
    return flags


def reproduce(targets: list[str], overrides: dict[str, Any], repo: Path) -> str:
    """`dvc repro` the targets, or `dvc exp run` them with param overrides (recorded as an experiment)."""
    if overrides:
        return dvc("exp", "run", *set_flags(overrides), *targets, repo=repo)
    return dvc("repro", *targets, repo=repo)


def push(repo: Path) -> str:
    """Push outputs to the default remote; with no remote configured, say so and push nothing."""
    if not dvc("remote", "list", repo=repo).strip():
        return "no DVC remote configured: nothing pushed"
    return dvc("push", repo=repo)


def locked_outputs(repo: Path) -> dict[str, str]:
    """Every output path in dvc.lock with the hash DVC recorded for it."""
    lock = repo / "dvc.lock"
    stages = (yaml.safe_load(lock.read_text()) or {}).get("stages", {}) if lock.exists() else {}
    return {out["path"]: out.get("md5", "") for stage in stages.values() for out in stage.get("outs", [])}


def dvc_repository(path: Path) -> Path | None:
    """The DVC repository `path` lies in (the nearest folder above it with a .dvc/), or None."""
    resolved = path.resolve()
    return next((p for p in [resolved, *resolved.parents] if (p / ".dvc").is_dir()), None)


def dvc_add(path: Path) -> Path | None:
    """`dvc add` a folder in the DVC repository it lies in; its .dvc file (relative to that repository), or None
    when it lies in none."""
    repo = dvc_repository(path)
    if repo is None:
        return None
    target = path.resolve().relative_to(repo)
    dvc("add", str(target), repo=repo)
    return target.with_name(f"{target.name}.dvc")


def version_with_dvc(path: Path) -> str:
    """`dvc add` `path` and say so, or say how to version it later when it lies in no DVC repository."""
    added = dvc_add(path)
    if added is None:
        return f"not inside a DVC repository: {path} is not versioned (after `dvc init`, run `dvc add {path}`)"
    return f"versioned with DVC: {added} (commit it with git)"
