"""Real servers for the multi-machine tests, on 127.0.0.1: a local S3 (moto), a git origin, a DVC remote on it.

moto's server checks request signatures once IAM authentication is switched on: `LocalS3.start`
creates a user with an access key allowed everything and a bucket, then switches it on, so from
then on a wrong key id or secret is refused as AWS would refuse it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core import HOST, WaitTimedOut, free_port, port_in_use, wait_for, wait_until_up
from testkit.processes import PROJECT, project_env, run

REGION = "us-east-1"
BUCKET = "yoloop"


@dataclass
class LocalS3:
    """A moto S3 server process, its endpoint, and the access key the tests use."""

    endpoint: str
    process: subprocess.Popen
    log: Path
    credentials: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, logs: Path) -> LocalS3:
        port = free_port()
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / "s3-server.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.s3_server", "--port", str(port)],
            cwd=PROJECT,
            env=project_env(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = cls(f"http://{HOST}:{port}", process, log)
        server.wait_serving()
        server.credentials = server._provision()
        return server

    def wait_serving(self, timeout_s: float = 60) -> None:
        wait_until_up(f"{self.endpoint}/moto-api/", timeout_s, self.process)

    def _provision(self) -> dict[str, str]:
        """A user allowed everything, its access key and the bucket; then every request must be signed by it."""
        import boto3

        bootstrap = {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name=REGION, **bootstrap)
        iam.create_user(UserName="yoloop")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="yoloop", PolicyName="everything", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="yoloop")["AccessKey"]
        boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **bootstrap).create_bucket(Bucket=BUCKET)
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}, method="POST"
        )
        urllib.request.urlopen(request, timeout=10).close()
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def env(self) -> dict[str, str]:
        """What a DVC client, an MLflow server or a worker needs to use this store."""
        return {**self.credentials, "AWS_DEFAULT_REGION": REGION, "MLFLOW_S3_ENDPOINT_URL": self.endpoint}

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self, prefix: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def stop_serving(self) -> None:
        """Close the port and cut open connections; the objects stay (see tests/s3_server.py)."""
        os.kill(self.process.pid, signal.SIGUSR1)
        self._wait_port(open_=False)

    def serve_again(self) -> None:
        os.kill(self.process.pid, signal.SIGUSR2)
        self._wait_port(open_=True)

    def _wait_port(self, open_: bool, timeout_s: float = 60) -> None:
        port = int(self.endpoint.rsplit(":", 1)[1])
        state = "open" if open_ else "close"
        try:
            wait_for(lambda: port_in_use(port) == open_, timeout_s, f"port {port} to {state}", interval_s=0.1)
        except WaitTimedOut:
            os.kill(self.process.pid, signal.SIGALRM)  # the server's thread stacks, into its log
            time.sleep(1)
            raise WaitTimedOut(f"port {port} did not {state}; server log:\n{self.log.read_text()[-6000:]}") from None

    def terminate(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def use_s3_remote(repo: Path, s3: LocalS3, prefix: str, name: str = "storage") -> str:
    """Make `s3://yoloop/<prefix>` the repository's default remote, committed in .dvc/config as a team would."""
    url = f"s3://{BUCKET}/{prefix}"
    run(sys.executable, "-m", "dvc", "remote", "add", "--default", "--force", name, url, cwd=repo)
    run(sys.executable, "-m", "dvc", "remote", "modify", name, "endpointurl", s3.endpoint, cwd=repo)
    return url


def bare_origin(repo: Path, dest: Path) -> str:
    """A bare clone of `repo` as the team's git origin; `repo` gets it as `origin`. Returns its file:// URL."""
    run("git", "clone", "-q", "--bare", str(repo), str(dest), cwd=repo.parent)
    run("git", "remote", "add", "origin", dest.as_uri(), cwd=repo)
    run("git", "fetch", "-q", "origin", cwd=repo)
    return dest.as_uri()


def commit_all(repo: Path, message: str) -> None:
    run("git", "add", "-A", cwd=repo)
    run("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message, cwd=repo)


def remote_refs(origin: str) -> dict[str, str]:
    """ref name -> commit of every ref in the origin (what a half-finished run must not change)."""
    listed = subprocess.run(["git", "ls-remote", origin], capture_output=True, text=True, check=True).stdout
    return {ref: sha for sha, ref in (line.split("\t") for line in listed.splitlines())}
