"""The MLflow model registry: registered versions, their weights and their class names.

tasks/ops/tracking.register_weights logs each model as a pyfunc whose `weights` artifact is
the Ultralytics .pt file; its MLmodel file says where that artifact sits in the model folder
and which class names the model has. Every reader of a registered version goes through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tasks.core.errors import InputError
from tasks.ops.tracking_store import reachable_tracking_uri

CHAMPION = "champion"  # the alias of the model in production
CHALLENGER = "challenger"  # the alias of the last model evaluated and not promoted


@dataclass(frozen=True)
class RegisteredWeights:
    """One registered version on disk: its .pt file, class names and version tags."""

    version: str
    weights: Path
    names: list[str]
    tags: dict[str, str] = field(default_factory=dict)


def client():
    from mlflow import MlflowClient

    return MlflowClient(reachable_tracking_uri())


def split_model_uri(uri: str) -> tuple[str, str]:
    """`models:/<name>@<alias>` -> (name, "@alias"); `models:/<name>/<version>` -> (name, version)."""
    found = re.fullmatch(r"models:/([^/@]+)(@[\w-]+|/\d+)", uri)
    if not found:
        raise InputError(f"{uri}: expected models:/<name>@<alias> or models:/<name>/<version>")
    return found.group(1), found.group(2).removeprefix("/")


def find_version(model_name: str, ref: str) -> Any:
    """The registry's ModelVersion for a version number or an `@alias`."""
    registry = client()
    if ref.startswith("@"):
        return registry.get_model_version_by_alias(model_name, ref[1:])
    return registry.get_model_version(model_name, ref)


def champion_version(registry: Any, model_name: str) -> str | None:
    """The version holding `champion`, or None when there is none (or the model is not registered)."""
    from mlflow.exceptions import MlflowException

    try:
        return str(registry.get_model_version_by_alias(model_name, CHAMPION).version)
    except MlflowException:
        return None


def fetch_registered_weights(uri: str, dest: Path, param: str) -> RegisteredWeights:
    """Download the version `uri` names into `dest`; an InputError naming `param` when it is not registered."""
    import mlflow

    name, ref = split_model_uri(uri)
    mlflow.set_tracking_uri(reachable_tracking_uri())
    try:
        found = find_version(name, ref)
        folder = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{found.version}", dst_path=str(dest)))
    except mlflow.exceptions.MlflowException as exc:
        raise InputError(
            [f"params.yaml: {param}: {uri}: not in the registry at {reachable_tracking_uri()} ({exc})"]
        ) from exc
    spec: dict[str, Any] = yaml.safe_load((folder / "MLmodel").read_text())
    artifact = spec["flavors"]["python_function"].get("artifacts", {}).get("weights", {}).get("path")
    if artifact is None or not (folder / artifact).is_file():
        raise InputError([f"params.yaml: {param}: {uri}: the registered model holds no .pt weights"])
    names = list(spec.get("metadata", {}).get("class_names", []))
    return RegisteredWeights(str(found.version), folder / artifact, names, dict(found.tags))


def registered_class_names(model_name: str, version: str) -> list[str]:
    """The class names a registered version was logged with, read from its MLmodel file alone (no weights)."""
    import mlflow

    mlflow.set_tracking_uri(reachable_tracking_uri())
    info = mlflow.models.get_model_info(f"models:/{model_name}/{version}")
    return list((info.metadata or {}).get("class_names", []))


def version_tagged(model_name: str, key: str, value: str) -> str | None:
    """The first version of `model_name` whose tag `key` is `value` (None when none is, or no such model)."""
    found = [v for v in client().search_model_versions(f"name='{model_name}'") if v.tags.get(key) == value]
    return str(min(int(v.version) for v in found)) if found else None
