"""The MLflow model registry: registered versions, their weights and their class names.

`register_weights` logs each model as a pyfunc (tasks/tracking/pyfunc.py) whose `weights` artifact
is the Ultralytics .pt file; its MLmodel file says where that artifact sits in the model folder and
which class names the model has. Every reader of a registered version goes through here.

Renaming `tracking.registered_model` retrains nothing (train and transfer do not depend on it), so
the card of models/<stage> may name the model it was registered under before: `candidate_version`
registers the same weights under the current name first, in an MLflow run of its own, tagged with
where they came from, so a second evaluation of the same model finds that version instead.

The champion of another dataset (the registered model's name left as it was) knows none of this
dataset's classes, and comparing with it is meaningless: `check_champion_classes` asks before any
training, cheaply (the class names come from the MLmodel file; no weights are downloaded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tasks.core import InputError, Layout, ModelCard, TrackingParams
from tasks.tracking.runs import stage_run
from tasks.tracking.store import reachable_tracking_uri, store_is_empty

CHAMPION = "champion"  # the alias of the model in production
CHALLENGER = "challenger"  # the alias of the last model evaluated and not promoted
PYFUNC_MODEL_CODE = Path(__file__).with_name("pyfunc.py")
REGISTERED_FROM = "yoloop.registered_from"


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


def _detector_signature():
    """Input: a column of image paths; output: one row per detection; `conf` as a parameter."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    outputs = [ColSpec("string", "image"), ColSpec("string", "class"), ColSpec("double", "confidence")]
    outputs += [ColSpec("double", corner) for corner in ("x0", "y0", "x1", "y1")]
    return ModelSignature(
        inputs=Schema([ColSpec("string", "image")]),
        outputs=Schema(outputs),
        params=ParamSchema([ParamSpec("conf", "double", 0.25)]),
    )


def register_weights(weights: Path, tracking: TrackingParams, names: list[str]) -> str:
    """Log the weights as a pyfunc model in the active run and register a new model version.

    No input example is logged, on purpose: the model's input is a column of image file paths,
    and a path is only an example on the machine that wrote it (MLflow would also try to
    predict on it at every registration). The signature says the input exactly, so MLflow's
    "An input example was not provided" warning (its text starts with a colour code, hence the
    leading `.*`) is silenced for this call only.
    """
    import warnings

    import mlflow

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*An input example was not provided", category=UserWarning)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(PYFUNC_MODEL_CODE),
            signature=_detector_signature(),
            artifacts={"weights": str(weights)},
            pip_requirements=["ultralytics", "torch", "pandas"],
            registered_model_name=tracking.registered_model,
            metadata={"class_names": names},
        )
    return str(info.registered_model_version)


def tag_model_version(tracking: TrackingParams, version: str, tags: dict[str, Any]) -> None:
    """Facts about a registered version that a later stage reads back (e.g. transfers since scratch)."""
    registry = client()
    for key, value in tags.items():
        registry.set_model_version_tag(tracking.registered_model, version, key, str(value))


def register_under(tracking_params: TrackingParams, layout: Layout, card: ModelCard, weights: Path, origin: str) -> str:
    """Register `weights` as a new version of the current name, in its own run; tag it with its lineage."""
    logged = {"from": origin, "to": tracking_params.registered_model, "stage": card.stage}
    with stage_run(tracking_params, "register", logged, layout):
        version = register_weights(weights, tracking_params, card.names)
    lineage = {"yoloop.stage": card.stage, "transfers_since_scratch": card.transfers_since_scratch}
    tag_model_version(tracking_params, version, {**lineage, REGISTERED_FROM: origin})
    return version


def candidate_version(tracking_params: TrackingParams, layout: Layout, card: ModelCard, weights: Path) -> str | None:
    """The version of the evaluated model under `tracking.registered_model` (None: it was never registered)."""
    version = card.model_version or None
    registered_as = card.registered_model or tracking_params.registered_model  # older cards: the current name
    if version is None or registered_as == tracking_params.registered_model:
        return version
    origin = f"{registered_as}/{version}"
    existing = version_tagged(tracking_params.registered_model, REGISTERED_FROM, origin)
    return existing or register_under(tracking_params, layout, card, weights, origin)


def require_shared_classes(model_name: str, version: str, champion_names: list[str], names: list[str]) -> None:
    """An InputError naming `tracking.registered_model` when the champion knows none of `names`."""
    if not set(champion_names) & set(names):
        raise InputError(
            f"params.yaml: tracking.registered_model: the champion of {model_name!r} (version {version}) knows "
            f"{champion_names}, none of this dataset's classes {names}; give this dataset a registered "
            "model of its own"
        )


def check_champion_classes(tracking: TrackingParams, names: list[str]) -> None:
    """Stop (InputError) when the current champion could not be compared with a model of `names`."""
    if store_is_empty():
        return
    name = tracking.registered_model
    version = champion_version(client(), name)
    if version is not None:
        require_shared_classes(name, version, registered_class_names(name, version), names)
