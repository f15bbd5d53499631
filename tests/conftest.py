"""Test-wide set-up: every service's state goes to a temporary folder, never the project's.

Fixtures: `make_project` (a project in a temporary folder with its own MLflow store, the current
directory for the test), `trained_project` (one tiny trained model for the session; copy it before
changing it), `reproduced_repo` (a repository after one whole `dvc repro`, one for the whole run, shared
by the pytest-xdist workers; copy it too), `prefect_server` (one Prefect server for the session;
`prefect_harness` is the same), `state_dir`. `-p randomly` (pytest-randomly) runs the suite shuffled,
printing the seed to rerun it with.

Under CI (`CI=true`) every test must run: a skip (a missing dataset, tool or permission) is reported
as a failure with its reason, so that nothing a skip would hide goes unseen.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tasks.core import STATE_DERIVED_ENV
from testkit.processes import BUSY_MACHINE_ENV

_STATE = Path(tempfile.mkdtemp(prefix="yoloop-test-state-"))
os.environ["YOLOOP_STATE_DIR"] = str(_STATE)
# configure() derives these from the state folder only where they are unset; a pytest-xdist worker inherits
# the controller's, which would make the workers share one Prefect database (each saw the other's flow runs)
# and one FiftyOne database folder. Each worker keeps its own.
for key in STATE_DERIVED_ENV:
    os.environ.pop(key, None)
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("PREFECT_API_URL", None)
for key, value in BUSY_MACHINE_ENV.items():  # also for stages that flows start through DVC (os.environ)
    os.environ.setdefault(key, value)

from tasks.core import configure  # noqa: E402

configure()  # the environment, with the state folder above
from tests.projects import Project, new_project  # noqa: E402

TRAINED = {"train": {"epochs": 2}}  # the shared model: two epochs, so a history has more than one point


@dataclass(frozen=True)
class Reproduced:
    project: Project
    printed: str  # what its `dvc repro` printed


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


def _skip_fails_under_ci(report: pytest.CollectReport | pytest.TestReport) -> None:
    """Under CI, turn a skip into a failure that says what was skipped and why."""
    if under_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    _skip_fails_under_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport:
    report = yield
    _skip_fails_under_ci(report)
    return report


def pytest_report_header(config: pytest.Config) -> str:
    return f"CI={os.environ.get('CI', '')!r}: skips {'fail' if under_ci() else 'are reported as skips'}"


@pytest.fixture(autouse=True)
def mlflow_store_kept_to_its_test() -> Iterator[None]:
    """MLflow's store as it was before the test, after it. `mlflow.set_tracking_uri` (which the stages call) also
    writes $MLFLOW_TRACKING_URI into os.environ for subprocesses: a test that pointed it at a server it then stopped
    would otherwise send every later subprocess of this worker to that dead server."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    uri_state = sys.modules.get("mlflow.tracking._tracking_service.utils")
    if os.environ.get("MLFLOW_TRACKING_URI") == before:
        return
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before
    if uri_state is not None:
        uri_state._tracking_uri = before


@pytest.fixture(scope="session")
def state_dir() -> Path:
    return _STATE


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One Prefect server for the session, its URL in PREFECT_API_URL: the flows a test runs in this
    process and the stages it starts as subprocesses (`dvc repro`, `python -m flows.X`) all report
    to it instead of each starting its own. Each project keeps its own files and MLflow store; only
    the Prefect run history is shared (as it already was by the flows run in this process).
    """
    from tasks.orchestration import ensure_zombie_automation, serving

    with serving(in_process=True) as api_url:
        ensure_zombie_automation()  # as `yoloop repro` does: a killed stage's run is crashed, not left Running
        yield api_url


@pytest.fixture(scope="session")
def prefect_harness(prefect_server: str) -> str:
    """The session's Prefect server (the name the flow tests ask for)."""
    return prefect_server


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: str) -> Callable[..., Project]:
    """`make_project(*overrides, name="project", repo=False)`: a new project, entered for this test.

    Its stages report to the session's Prefect server (`prefect_server`).
    """

    def make(*overrides: dict, name: str = "project", repo: bool = False) -> Project:
        return new_project(tmp_path / name, *overrides, repo=repo).enter(monkeypatch)

    return make


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Project:
    """prepare and train (tiny, two epochs) once, for the tests that only need a model: copy it to change it."""
    from flows.prepare import prepare_flow
    from flows.train import train_flow

    project = new_project(tmp_path_factory.mktemp("trained") / "project", TRAINED)
    project.run(prepare_flow, train_flow)
    return project


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder of this test run that every pytest-xdist worker sees (this session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def reproduced_repo(shared_dir: Path, prefect_server: str) -> Reproduced:
    """A git + DVC copy of the project after one whole `dvc repro` on the tiny profile, and what it printed.

    Built once for the whole run: under pytest-xdist by the first worker that asks, the others waiting on
    its lock. Never change it: copy it first (`Project.copy_to`).
    """
    from filelock import FileLock

    from testkit.processes import python

    folder = shared_dir / "reproduced"
    folder.mkdir(exist_ok=True)
    printed = folder / "repro-output.txt"
    with FileLock(folder / ".lock"):
        project = Project(folder / "repo")
        if not printed.exists():
            shutil.rmtree(project.root, ignore_errors=True)  # a build that failed before
            project = new_project(project.root, repo=True)
            env = {"MLFLOW_TRACKING_URI": project.tracking_uri}
            output = python("-m", "dvc", "repro", cwd=project.root, env=env).stdout
            printed.write_text(output)
    return Reproduced(project, printed.read_text())
