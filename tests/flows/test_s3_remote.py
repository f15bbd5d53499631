"""DVC's S3 remote (dvc-s3 with `endpointurl`) against a real local S3 server: push, pull, bad settings named before
any work, and a run's publish cut by the server going down."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tasks.core import InputError
from tasks.versioning import DvcError, check_remote, publish
from testkit.processes import project_env
from tests.cluster_services import LocalS3, bare_origin, commit_all, remote_refs, use_s3_remote

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = LocalS3.start(tmp_path_factory.mktemp("s3-logs"))
    try:
        yield server
    finally:
        server.terminate()


@pytest.fixture
def s3_credentials(s3, monkeypatch):
    """This process talks to the store too (tasks.versioning.check_remote): the test user's key in its environment."""
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    return s3.credentials


def _dvc(repo: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert not check or result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def template(s3, tmp_path_factory) -> Path:
    """A git + DVC repository whose default remote is the S3 store, made once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    _dvc(path, "init", "-q", env=project_env())
    use_s3_remote(path, s3, "placeholder")
    return path


def _data_repo(template: Path, path: Path, prefix: str, files: int, size: int) -> Path:
    """A copy of the template pushing to s3://yoloop/<prefix>, with one tracked folder of random files."""
    shutil.copytree(template, path, symlinks=True)
    config = path / ".dvc" / "config"
    config.write_text(config.read_text().replace("s3://yoloop/placeholder", f"s3://yoloop/{prefix}"))
    (path / "images").mkdir()
    for i in range(files):
        (path / "images" / f"{i:04d}.bin").write_bytes(os.urandom(size))
    if files:
        _dvc(path, "add", "-q", "images", env=project_env())
    return path


def test_push_then_pull_into_an_empty_cache(tmp_path, s3, template, s3_credentials):
    repo = _data_repo(template, tmp_path / "repo", "roundtrip", files=5, size=1000)
    env = project_env(**s3.env())
    assert "reachable, credentials accepted" in check_remote(repo)
    assert "6 files pushed" in _dvc(repo, "push", env=env).stdout  # five files and the folder's listing
    assert len(s3.keys("roundtrip/")) == 6
    original = (repo / "images" / "0003.bin").read_bytes()
    subprocess.run(["rm", "-rf", str(repo / ".dvc" / "cache"), str(repo / "images")], check=True)
    _dvc(repo, "pull", env=env)
    assert (repo / "images" / "0003.bin").read_bytes() == original
    assert "in sync" in _dvc(repo, "status", "-c", env=env).stdout


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret", ["secret access key does not match", "$AWS_SECRET_ACCESS_KEY"]),
        ("AWS_ACCESS_KEY_ID", "AKIANOTAKEY", ["does not know this access key id", "$AWS_ACCESS_KEY_ID"]),
        ("endpointurl", "http://127.0.0.1:9", ["cannot reach the endpoint", "remote.storage.endpointurl (.dvc/config"]),
        ("url", "s3://no-such-bucket/dvc", ["bucket 'no-such-bucket' does not exist", "remote.storage.url"]),
    ],
)
def test_a_wrong_setting_is_named_before_any_work(
    tmp_path, template, s3_credentials, monkeypatch, setting, value, expected
):
    repo = _data_repo(template, tmp_path / "repo", "wrong", files=0, size=0)
    if setting.startswith("AWS_"):
        monkeypatch.setenv(setting, value)
    else:
        _dvc(repo, "remote", "modify", "storage", setting, value, env=project_env())
    with pytest.raises(InputError) as raised:
        check_remote(repo)
    message = str(raised.value)
    assert "DVC remote 'storage'" in message
    for part in expected:
        assert part in message


def test_the_cli_names_the_remote_and_exits_2(tmp_path, s3, template):
    repo = _data_repo(template, tmp_path / "repo", "cli", files=0, size=0)
    env = project_env(**{**s3.env(), "AWS_SECRET_ACCESS_KEY": "wrong"})
    result = subprocess.run(
        [sys.executable, "-m", "cli", "remote", "check"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error: DVC remote 'storage' (s3://yoloop/cli)" in result.stderr


def test_a_publish_cut_by_the_store_going_down_leaves_the_origin_untouched_then_lands_whole(
    tmp_path, s3, template, monkeypatch
):
    """yoloop's publish order (tasks/versioning/clone.py: the data first, the result branch last), not DVC's
    resuming: a run whose `dvc push` is cut by the store going down fails before any commit reaches the git origin,
    so no branch points at data the store lacks; publishing again pushes what is missing and lands the branch."""
    repo = _data_repo(template, tmp_path / "repo", "outage", files=120, size=50_000)
    commit_all(repo, "120 files, tracked by DVC")
    origin = bare_origin(repo, tmp_path / "origin.git")
    before = remote_refs(origin)
    for key, value in {**s3.env(), "AWS_MAX_ATTEMPTS": "1"}.items():  # one attempt per request: fails in seconds
        monkeypatch.setenv(key, value)
    with ThreadPoolExecutor(1) as running:
        cut = running.submit(publish, repo, "yoloop/runs/outage", "the run cut by the outage")
        deadline = time.monotonic() + 120
        while len(s3.keys("outage/")) < 10 and time.monotonic() < deadline and not cut.done():
            time.sleep(0.02)
        s3.stop_serving()
        try:
            failure = cut.exception(timeout=300)
        finally:
            s3.serve_again()
    assert isinstance(failure, DvcError), f"the publish finished before the store went down: {cut.result()}"
    assert "dvc push failed" in str(failure) and "Could not connect to the endpoint URL" in str(failure)
    assert 0 < len(s3.keys("outage/")) < 121, "cut part way"
    assert remote_refs(origin) == before, "no result branch while its data is not all in the store"
    landed = publish(repo, "yoloop/runs/outage", "the same run, published again")
    assert len(s3.keys("outage/")) == 121
    assert remote_refs(origin)[f"refs/heads/{landed['branch']}"] == landed["commit"]
