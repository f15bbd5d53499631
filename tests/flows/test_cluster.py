"""More than one machine, on this one, with real servers on 127.0.0.1: a local S3 store, `mlflow server` (SQLite,
artifacts in S3), a Prefect server with two GPU workers, and a bare git origin. The clone-pipeline deployments
share no disk with anyone: each run clones the origin, pulls from the S3 remote, and pushes a result branch."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tasks.core import bin_path, free_port, state_dir, wait_for
from tasks.evaluate import apply_decision
from tasks.orchestration import ZOMBIE_AFTER, Stack, deploy, ensure_zombie_automation, start_gpu_workers, talking_to
from tasks.orchestration.workers import start_worker_process
from tasks.tracking import CHALLENGER, CHAMPION, start_tracking_server
from tasks.versioning import result_branch, run_name
from tasks.versioning.clone import RESULTS_PREFIX
from testkit.processes import PROJECT, copy_project, project_env
from testkit.profiles import TINY, write_params
from tests.cluster_services import LocalS3, bare_origin, commit_all, remote_refs, use_s3_remote
from tests.promotion_racer import register_version

pytestmark = pytest.mark.slow
TEMPLATE = PROJECT / "tasks" / "orchestration" / "kubernetes_gpu_job_template.json"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = LocalS3.start(tmp_path_factory.mktemp("s3-logs"))
    yield server
    server.terminate()


@pytest.fixture(scope="module")
def servers(s3, tmp_path_factory):
    """`mlflow server` (runs in SQLite, artifacts proxied to s3://yoloop/mlartifacts) and a Prefect server,
    started side by side (each takes a while to import and migrate its database)."""
    folder, home = tmp_path_factory.mktemp("tracking"), tmp_path_factory.mktemp("prefect-home")
    env = {**project_env(), **s3.env()}
    database, artifacts = f"sqlite:///{folder / 'mlflow.db'}", "s3://yoloop/mlartifacts"
    with ThreadPoolExecutor(2) as starting:
        tracking = starting.submit(start_tracking_server, database, artifacts, free_port(), env, folder / "log")
        prefect = starting.submit(Stack.start, free_port(), home, home / "logs")
    try:
        yield tracking.result(), prefect.result()
    finally:
        for started, stop in ((tracking, lambda server: server.stop()), (prefect, lambda running: running.stop())):
            if started.exception() is None:
                stop(started.result())


@pytest.fixture(scope="module")
def tracking(servers) -> str:
    return servers[0].url


@pytest.fixture(scope="module")
def cluster(s3, servers, tracking):
    """The Prefect server with the zombie automation and two workers on the pool `gpu` (GPU 0 and GPU 1)."""
    running = servers[1]
    running.env.update({**s3.env(), "MLFLOW_TRACKING_URI": tracking, "CUDA_VISIBLE_DEVICES": "0,1"})
    with talking_to(running.api_url):
        ensure_zombie_automation()
    names = start_gpu_workers(running, Path(running.env["PREFECT_HOME"]) / "logs", 2)
    running.workers = dict(zip(names, running.processes[-2:], strict=True))  # type: ignore[attr-defined]
    return running


@pytest.fixture(scope="module")
def origin(cluster, s3, tmp_path_factory) -> str:
    """The team's git origin (bare): the project with TINY params, the S3 remote and the prepared data pushed
    (so runs pull it rather than prepare again); deployed."""
    base = tmp_path_factory.mktemp("origin")
    repo = copy_project(base / "workspace")
    write_params(repo / "params.yaml", TINY)
    use_s3_remote(repo, s3, "dvc")
    env = project_env(**s3.env(), PREFECT_API_URL=cluster.api_url)  # the stage's flow reports to the server
    for args in (["repro", "prepare"], ["push"]):
        done = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    commit_all(repo, "TINY params; the S3 remote; prepared data")
    url = bare_origin(repo, base / "origin.git")
    output = deploy(repo, cluster.env)
    assert "clone-pipeline/train" in output
    return url


def _start(cluster, name: str, parameters: dict, job_variables: dict | None = None):
    from prefect.deployments import run_deployment

    with talking_to(cluster.api_url):
        return run_deployment(name, parameters=parameters, job_variables=job_variables, timeout=0).id


def _read(cluster, run_id):
    from prefect.client.orchestration import get_client

    with talking_to(cluster.api_url), get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def _wait(cluster, run_ids: list, states: set[str], timeout_s: float) -> list:
    def settled() -> list | None:
        runs = [_read(cluster, run_id) for run_id in run_ids]
        return runs if all(run.state.type.value in states for run in runs) else None

    def where_they_are() -> str:
        return ", ".join(f"{run_id}: {_read(cluster, run_id).state.type.value}" for run_id in run_ids)

    return wait_for(settled, timeout_s, f"flow runs in {sorted(states)}", interval_s=3, detail=where_they_are)


def _logs(cluster, run_id) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with talking_to(cluster.api_url), get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return "\n".join(log.message for log in logs)


def _task_names(cluster, run_id) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with talking_to(cluster.api_url), get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return [task.name for task in tasks]


def test_the_kubernetes_gpu_template_asks_one_gpu_per_run_and_a_real_server_takes_it(cluster):
    """yoloop's job template (tasks/orchestration/kubernetes_gpu_job_template.json), not Prefect's engine: a real
    server accepts it as a `kubernetes` pool (no prefect-kubernetes needed), and the job it renders asks for the GPUs
    of the `gpus` variable (one by default), tolerates the GPU nodes' taint and never retries a failed run."""
    from prefect.client.orchestration import get_client
    from prefect.utilities.templating import apply_values

    command = ["work-pool", "create", "gpu-k8s", "--type", "kubernetes", "--base-job-template", str(TEMPLATE)]
    created = subprocess.run([bin_path("prefect"), *command], env=cluster.env, capture_output=True, text=True)
    assert created.returncode == 0, created.stdout + created.stderr
    with talking_to(cluster.api_url), get_client(sync_client=True) as client:
        pool = client.read_work_pool("gpu-k8s")
    assert pool.type == "kubernetes"
    template = pool.base_job_template
    defaults = {k: v["default"] for k, v in template["variables"]["properties"].items() if "default" in v}
    for gpus in (None, 2):
        values = defaults if gpus is None else {**defaults, "gpus": gpus}
        job = apply_values(template["job_configuration"], values)["job_manifest"]
        pod = job["spec"]["template"]["spec"]
        container = pod["containers"][0]
        wanted = gpus or 1
        assert container["resources"]["limits"] == {"nvidia.com/gpu": wanted}  # unset limits drop out, the GPU stays
        assert container["resources"]["requests"]["nvidia.com/gpu"] == wanted
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
        assert job["spec"]["backoffLimit"] == 0 and pod["restartPolicy"] == "Never"  # a failed run is not rerun


def test_two_evaluations_finishing_together_move_the_champion_by_compare_and_set(tmp_path, s3, tracking):
    """Two processes register versions and judge them at once against the server; no promotion is lost."""
    import mlflow
    from mlflow import MlflowClient

    client, name = MlflowClient(tracking), f"race-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    mlflow.set_tracking_uri(tracking)
    (tmp_path / "first").mkdir()
    assert register_version(name, tmp_path / "first") == "1"
    apply_decision(client, name, "1", {"promote": True, "reasons": []}, compared_with=None)
    (tmp_path / "barrier").mkdir()
    worker_env = {k: v for k, v in project_env(MLFLOW_TRACKING_URI=tracking).items() if not k.startswith("AWS_")}
    racers = []
    for i in range(2):  # a worker knows the server's URL and nothing of S3: the server proxies artifacts
        (tmp_path / f"racer-{i}").mkdir()
        args = ["--model", name, "--barrier", str(tmp_path / "barrier"), "--out", str(tmp_path / f"racer-{i}/out.json")]
        racers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.promotion_racer", *args],
                cwd=PROJECT,
                env=worker_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    for racer in racers:
        output = racer.communicate(timeout=300)[0]
        assert racer.returncode == 0, output[-3000:]
    results = {r["version"]: r for r in (json.loads((tmp_path / f"racer-{i}/out.json").read_text()) for i in range(2))}
    assert set(results) == {"2", "3"}
    for result in results.values():
        assert result["compared"][0] == "1"  # both judged against the same champion first
        assert result["outcome"]["champion_before"] == result["compared"][-1]  # each move was made on what it saw
    again = [r for r in results.values() if len(r["compared"]) == 2]
    assert len(again) == 1, results  # exactly one found the champion moved, and compared again
    assert "the champion moved from version 1 to" in again[0]["notes"][0]
    aliases = {alias: str(v) for alias, v in client.get_registered_model(name).aliases.items()}
    if again[0]["version"] == "3":  # 2 moved in first; 3 beat 2 on its second look
        assert aliases == {CHAMPION: "3"}
    else:  # 3 moved in first; 2 lost against 3 on its second look
        assert aliases == {CHAMPION: "3", CHALLENGER: "2"}
    run_ids = {client.get_model_version(name, v).run_id for v in ("1", "2", "3")}
    stored = [key for key in s3.keys("mlartifacts/") if key.endswith("model/weights.pt")]
    assert len(run_ids) == 3 and sum(any(run_id in key for key in stored) for run_id in run_ids) == 3


def _cli(workspace: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=workspace, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _sees_a_gpu(visible: str) -> bool:
    """Whether a process given CUDA_VISIBLE_DEVICES=`visible` sees a CUDA device (torch asked in a process of its own):
    on a CPU machine neither worker's run does; on a one-GPU machine only the run given GPU 0 does."""
    code = "import torch; print(torch.cuda.is_available())"
    env = project_env(CUDA_VISIBLE_DEVICES=visible)
    asked = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return asked.stdout.strip() == "True"


@pytest.mark.device
def test_two_clone_runs_on_two_workers_at_once_both_land_their_results(tmp_path, cluster, origin, s3, tracking):
    before = remote_refs(origin)
    runs = [_start(cluster, "clone-pipeline/train", {"set_params": {"train.mixup": share}}) for share in (0.05, 0.1)]
    first, second = _wait(cluster, runs, {"COMPLETED", "FAILED", "CRASHED"}, 900)
    assert first.state.is_completed(), (first.state, _logs(cluster, first.id)[-3000:])
    assert second.state.is_completed(), (second.state, _logs(cluster, second.id)[-3000:])
    assert first.start_time < second.end_time and second.start_time < first.end_time  # they ran at the same time
    logs = [_logs(cluster, run) for run in runs]
    given = {}  # result branch -> the CUDA_VISIBLE_DEVICES its run logged (the worker's GPU)
    for run_id, log in zip(runs, logs, strict=True):
        visible = [line.rsplit("=", 1)[1] for line in log.splitlines() if "CUDA_VISIBLE_DEVICES=" in line]
        run = _read(cluster, run_id)
        given[f"refs/heads/{result_branch(run_name(run.name, run.id))}"] = visible[0]
    assert sorted(given.values()) == ["0", "1"]  # one run on each worker's GPU
    assert all("files fetched" in log and "data/prepared" in log for log in logs)  # dvc pull, not prepare again
    branches = sorted(set(remote_refs(origin)) - set(before))
    assert len(branches) == 2 and all(ref.startswith(f"refs/heads/{RESULTS_PREFIX}") for ref in branches)
    workspace = tmp_path / "user"
    subprocess.run(["git", "clone", "-q", origin, str(workspace)], check=True)
    env = project_env(**s3.env())
    listed = _cli(workspace, "results", "pull", env=env).split()
    assert sorted(f"refs/heads/{name}" for name in listed) == branches
    shares = set()
    for name in listed:
        changed = subprocess.run(["git", "diff", "--name-only", "HEAD", f"origin/{name}"], cwd=workspace, text=True,
                                 capture_output=True, check=True).stdout.split()  # fmt: skip
        small = ("dvc.lock", "params.yaml", ".gitignore", "metrics/", "reports/")  # data and models go to S3
        assert "dvc.lock" in changed and all(p.endswith(small) or p.startswith(small) for p in changed), changed
        _cli(workspace, "results", "pull", name, env=env)
        shares.add(yaml.safe_load((workspace / "params.yaml").read_text())["train"]["mixup"])
        trained_on = json.loads((workspace / "metrics" / "train_details.json").read_text())["device"]
        visible = given[f"refs/heads/{name}"]
        # device: auto in a run given GPU `visible`: that GPU (the first CUDA device it sees) where there is one
        assert trained_on == ("cuda:0" if _sees_a_gpu(visible) else "cpu"), (name, visible, trained_on)
        assert (workspace / "models" / "train" / "weights.pt").stat().st_size > 0  # pulled from the S3 remote
        status = subprocess.run([sys.executable, "-m", "dvc", "status", "-c"], cwd=workspace, env=env, text=True,
                                capture_output=True)  # fmt: skip
        assert "in sync" in status.stdout, status.stdout + status.stderr
    assert shares == {0.05, 0.1}
    from mlflow import MlflowClient

    client = MlflowClient(tracking)
    experiment = client.get_experiment_by_name("yoloop").experiment_id
    trained = client.search_runs([experiment], "tags.`yoloop.stage` = 'train'")
    assert len(trained) == 2  # both workers logged to the one tracking server
    assert len(client.search_model_versions("name = 'yoloop-detector'")) == 2


def test_runs_that_fail_midway_or_have_wrong_credentials_leave_the_origin_untouched(cluster, origin):
    before = remote_refs(origin)
    broken = _start(cluster, "clone-pipeline/train", {"set_params": {"train.epochs": 0}})
    wrong_key = {"env": {"AWS_SECRET_ACCESS_KEY": "not-the-secret", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}}
    refused = _start(cluster, "clone-pipeline/train", {}, job_variables=wrong_key)
    broken_run, refused_run = _wait(cluster, [broken, refused], {"COMPLETED", "FAILED", "CRASHED"}, 600)
    assert broken_run.state.is_failed(), broken_run.state
    assert "train.epochs" in _logs(cluster, broken)
    assert refused_run.state.is_failed(), refused_run.state
    message = _logs(cluster, refused) + (refused_run.state.message or "")
    assert "DVC remote 'storage' (s3://yoloop/dvc): the secret access key does not match" in message
    assert "$AWS_SECRET_ACCESS_KEY in the environment" in message
    assert not any(name.startswith("reproduce") for name in _task_names(cluster, refused))  # before any training
    assert remote_refs(origin) == before


def _clone_of(worker: str) -> list[Path]:
    return list((state_dir() / "workers" / worker / "tmp").glob("*prefect/*/dvc.yaml"))


def test_a_killed_worker_crashes_its_run_and_its_clone_is_discarded(cluster, origin):
    before = remote_refs(origin)
    run_id = _start(cluster, "clone-pipeline/train", {"set_params": {"train.epochs": 500}})

    def reproducing_worker() -> str | None:
        busy = [name for name in cluster.workers if _clone_of(name)]
        if busy and any(name.startswith("reproduce") for name in _task_names(cluster, run_id)):
            return busy[0]
        return None

    worker = wait_for(
        reproducing_worker,
        600,
        "a worker reproducing in its clone",
        interval_s=2,
        detail=lambda: _logs(cluster, run_id)[-3000:],
    )
    time.sleep(10)  # well into the training
    pid = int(str(_read(cluster, run_id).infrastructure_pid).split(":")[-1])
    os.killpg(cluster.workers[worker].pid, signal.SIGKILL)  # the worker, its flow run, dvc and the stage under it
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    assert _clone_of(worker)  # the dead run's clone is still on disk...
    (final,) = _wait(cluster, [run_id], {"CRASHED", "COMPLETED", "FAILED"}, ZOMBIE_AFTER.total_seconds() + 150)
    assert final.state.type.value == "CRASHED"  # the zombie automation saw its heartbeats stop
    assert remote_refs(origin) == before  # no half result in the origin
    start_worker_process(cluster, Path(cluster.env["PREFECT_HOME"]) / "logs", worker, worker.rsplit("-", 1)[1])
    assert not _clone_of(worker)  # ...until the worker starts again with an emptied scratch folder
