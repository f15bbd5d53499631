"""The shared DVC remote, checked before any work: reachable, the bucket there, the credentials accepted.

DVC reports a wrong secret as `unexpected error - Forbidden` only when it first pushes, after the
training. `check_remote` asks the remote once, up front, and turns each failure into a line that
names the remote, its URL and the setting to fix (the DVC config file and key, or the environment
variable the credentials came from).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tasks.core import InputError

CONFIG_FILES = {"local": ".dvc/config.local", "repo": ".dvc/config", "global": "DVC's global config"}
CHECK_TIMEOUT_S = 10


@dataclass(frozen=True)
class Remote:
    """The default DVC remote of a repository, with the config file each setting came from."""

    name: str
    url: str
    settings: dict[str, Any]
    sources: dict[str, str]

    def setting(self, key: str) -> str:
        """`remote.<name>.<key>` and where it is set, for messages."""
        where = self.sources.get(key, "not set")
        return f"remote.{self.name}.{key} ({where}; `dvc remote modify {self.name} {key} VALUE`)"


def default_remote(repo: Path) -> Remote | None:
    """The repository's default remote as DVC merges it (system, global, .dvc/config, .dvc/config.local)."""
    from dvc.repo import Repo

    with Repo(str(repo)) as dvc_repo:
        config = dvc_repo.config
        name = config["core"].get("remote")
        if not name:
            return None
        if name not in config["remote"]:
            raise InputError(f".dvc/config: core.remote: {name!r} is not a configured remote (`dvc remote list`)")
        sources: dict[str, str] = {}
        for level in ("system", "global", "repo", "local"):  # later levels win, as in DVC
            for key in config.read(level).get("remote", {}).get(name, {}):
                sources[key] = CONFIG_FILES.get(level, f"DVC's {level} config")
        settings = dict(config["remote"][name])
    return Remote(name, str(settings["url"]), settings, sources)


def _credential_source(remote: Remote, key: str, env: str) -> str:
    if key in remote.settings:
        return remote.setting(key)
    if os.environ.get(env):
        return f"${env} in the environment"
    return f"${env} (not set) or {remote.setting(key)}"


def _s3_client(remote: Remote):
    import boto3
    from botocore.config import Config

    settings = remote.settings
    session = boto3.session.Session(
        aws_access_key_id=settings.get("access_key_id"),
        aws_secret_access_key=settings.get("secret_access_key"),
        aws_session_token=settings.get("session_token"),
        profile_name=settings.get("profile"),
    )
    retries = Config(
        connect_timeout=CHECK_TIMEOUT_S, read_timeout=CHECK_TIMEOUT_S, retries={"max_attempts": 1, "mode": "standard"}
    )
    return session.client(
        "s3", endpoint_url=settings.get("endpointurl"), region_name=settings.get("region"), config=retries
    )


def _explain_client_error(remote: Remote, code: str, bucket: str) -> str:
    """One line per S3 error code that a wrong setting causes."""
    head = f"DVC remote {remote.name!r} ({remote.url})"
    key_id = _credential_source(remote, "access_key_id", "AWS_ACCESS_KEY_ID")
    secret = _credential_source(remote, "secret_access_key", "AWS_SECRET_ACCESS_KEY")
    if code == "InvalidAccessKeyId":
        return f"{head}: the server does not know this access key id; check {key_id}"
    if code == "SignatureDoesNotMatch":
        return f"{head}: the secret access key does not match the access key id; check {secret}"
    if code in ("NoSuchBucket", "404"):
        return f"{head}: bucket {bucket!r} does not exist on the server; check {remote.setting('url')}"
    if code in ("AccessDenied", "403", "Forbidden"):
        return f"{head}: access denied to bucket {bucket!r}; check the credentials ({key_id}, {secret})"
    return f"{head}: the server refused the request ({code}); check {remote.setting('url')}"


def check_s3_remote(remote: Remote) -> str:
    """List one key under the remote's prefix: proves endpoint, bucket and credentials in one request."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ProfileNotFound

    parsed = urlparse(remote.url)
    bucket, prefix = parsed.netloc, parsed.path.lstrip("/")
    endpoint = remote.settings.get("endpointurl", "AWS S3")
    try:
        _s3_client(remote).list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except (EndpointConnectionError, ConnectionError) as exc:
        raise InputError(
            f"DVC remote {remote.name!r} ({remote.url}): cannot reach the endpoint {endpoint} ({exc}); "
            f"check {remote.setting('endpointurl')}"
        ) from exc
    except (NoCredentialsError, ProfileNotFound) as exc:
        raise InputError(
            f"DVC remote {remote.name!r} ({remote.url}): no credentials ({exc}); set $AWS_ACCESS_KEY_ID and "
            f"$AWS_SECRET_ACCESS_KEY, or {remote.setting('access_key_id')} with --local"
        ) from exc
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "unknown"))
        raise InputError(_explain_client_error(remote, code, bucket)) from exc
    return f"DVC remote {remote.name!r} ({remote.url} at {endpoint}): reachable, credentials accepted"


def check_remote(repo: Path) -> str:
    """Check the default remote before any work; a folder remote must exist, an S3 one must answer."""
    remote = default_remote(repo)
    if remote is None:
        return "no DVC remote configured: results stay in this clone's cache"
    scheme = urlparse(remote.url).scheme
    if scheme == "s3":
        return check_s3_remote(remote)
    if scheme in ("", "file"):
        folder = Path(urlparse(remote.url).path if scheme else remote.url)
        folder = folder if folder.is_absolute() else (repo / ".dvc" / folder).resolve()
        if not folder.is_dir():
            raise InputError(
                f"DVC remote {remote.name!r}: folder {folder} does not exist; check {remote.setting('url')}"
            )
        return f"DVC remote {remote.name!r}: folder {folder}"
    return f"DVC remote {remote.name!r} ({remote.url}): not checked ({scheme} remotes are checked by DVC itself)"
