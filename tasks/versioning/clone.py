"""A run in a clone of its own: data from the shared DVC remote, results back as a git branch.

A deployment's pull steps (prefect.yaml, `clone-pipeline/*`) clone the repository into the flow
run's own temporary folder, so two runs at once, on one machine or two, never share a DVC lock.
The run `dvc pull`s what the remote already holds (stages whose inputs did not change are not run
again), reproduces, then publishes in an order that never leaves the origin half done: first
`dvc push` (the data), then one commit with dvc.lock and the small outputs on a new branch
`yoloop/runs/<run>`, pushed last. A run that fails or dies before that push changes nothing in the
git origin; objects it pushed to the DVC remote are content-addressed and harmless.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tasks.core import InputError
from tasks.versioning.repository import dvc, push

RESULTS_PREFIX = "yoloop/runs/"
IDENTITY = ["-c", "user.name=yoloop", "-c", "user.email=yoloop@localhost"]


class GitError(RuntimeError):
    """A git command failed; the message carries its output."""


def git(*args: str, repo: Path) -> str:
    """Run one git command in `repo` and return its output; GitError with git's message when it fails."""
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {repo} (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout.strip()


def clone_variables(repo: Path, origin: str | None = None, branch: str | None = None) -> dict[str, str]:
    """What prefect.yaml's `clone-pipeline/*` deployments clone: the origin URL and the branch to run.

    By default the repository's own `origin` remote and current branch; a repository without an
    origin is its own origin (one machine: results come back as branches of this repository).
    """
    if origin is None:
        try:
            origin = git("remote", "get-url", "origin", repo=repo)
        except GitError:
            origin = repo.resolve().as_uri()
    if branch is None:
        branch = git("rev-parse", "--abbrev-ref", "HEAD", repo=repo)
    return {"YOLOOP_GIT_ORIGIN": origin, "YOLOOP_GIT_BRANCH": branch}


def run_name(flow_run_name: str | None, flow_run_id: object | None) -> str:
    """`<flow run name>-<first 8 of its id>`: readable in the UI, unique across runs (`local` outside Prefect)."""
    return f"{flow_run_name or 'local'}-{str(flow_run_id or '')[:8]}"


def result_branch(run_name: str) -> str:
    """`yoloop/runs/<run>`: one branch per run, so two runs never push to the same ref."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in run_name)
    return f"{RESULTS_PREFIX}{safe}"


def pull_data(repo: Path) -> str:
    """Fetch whatever the remote holds of dvc.lock's outputs; outputs never pushed are rebuilt by repro."""
    if not dvc("remote", "list", repo=repo).strip():
        return "no DVC remote configured: nothing pulled"
    return dvc("pull", "--allow-missing", repo=repo)


def _identity(repo: Path) -> list[str]:
    """A worker may have no git identity: use yoloop's own unless one is configured."""
    try:
        git("config", "user.email", repo=repo)
        return []
    except GitError:
        return IDENTITY


def publish_run(repo: Path, run: str, targets: list[str], overrides: dict[str, Any]) -> dict[str, str]:
    """Publish what run `run` reproduced on its branch `yoloop/runs/<run>`, the commit saying what it ran."""
    what = f"dvc repro {' '.join(targets) or '(all)'}" + (f" with {overrides}" if overrides else "")
    return publish(repo, result_branch(run), f"yoloop run {run}: {what}")


def publish(repo: Path, branch: str, message: str) -> dict[str, str]:
    """dvc push, then commit the run's dvc.lock, params and small outputs, then push that branch to the origin."""
    pushed = push(repo)
    git("add", "-A", repo=repo)
    git(*_identity(repo), "commit", "--allow-empty", "-q", "-m", message, repo=repo)
    commit = git("rev-parse", "HEAD", repo=repo)
    git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", repo=repo)
    return {"branch": branch, "commit": commit, "dvc_push": pushed.strip()[-500:]}


def fetch_results(repo: Path, origin: str = "origin") -> list[str]:
    """Fetch every result branch of `origin` as remote-tracking refs; return their names."""
    spec = f"+refs/heads/{RESULTS_PREFIX}*:refs/remotes/{origin}/{RESULTS_PREFIX}*"
    git("fetch", "-q", origin, spec, repo=repo)
    listed = git("for-each-ref", "--format=%(refname)", f"refs/remotes/{origin}/{RESULTS_PREFIX}", repo=repo)
    return [ref.removeprefix(f"refs/remotes/{origin}/") for ref in listed.splitlines() if ref]


def checkout_result(repo: Path, name: str, origin: str = "origin") -> str:
    """Switch the workspace to a result branch and `dvc pull` its outputs (models, data) from the remote."""
    branch = name if name.startswith(RESULTS_PREFIX) else result_branch(name)
    known = fetch_results(repo, origin)
    if branch not in known:
        raise InputError(f"{origin}: no result {branch!r}; known: {', '.join(known) or 'none'}")
    git("switch", "-q", "-C", branch, f"{origin}/{branch}", repo=repo)
    pulled = pull_data(repo)
    return f"switched to {branch} ({git('rev-parse', '--short', 'HEAD', repo=repo)}); {pulled.strip()[-300:]}"
