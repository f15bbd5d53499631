"""The registry as a catalogue of start models: every version of every registered model, with what a team needs to
choose one (`yoloop zoo list`): its classes (from its MLmodel file; no weights are downloaded), the data its training
run was tagged with (`dvc_data_hash`, tasks/tracking/runs.py), the image size it was trained at (the training run's
`<stage>.imgsz` param), its aliases, and its test mAP50-95 where an evaluate run recorded one.

An evaluate run is tagged with the version it evaluated (tasks/loop/loop_history.py `record_evaluation`) and the
registered model it worked for (`MODEL_TAG`); an older run without that tag counts for `tracking.registered_model`
when it is in `tracking.experiment`. The newest evaluation of a version wins. A version registered again under a
new name (tasks/tracking/registry.py `register_under`) is described by the training run of the version it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.core import TrackingParams
from tasks.tracking.registered_names import MODEL_TAG, VERSION_TAG
from tasks.tracking.registry import REGISTERED_FROM, client, registered_class_names
from tasks.tracking.store import store_is_empty

DATA_HASH_TAG = "dvc_data_hash"  # set on every stage's run by tasks/tracking/runs.py `run_tags`


@dataclass(frozen=True)
class VersionFacts:
    """One registered version as the catalogue shows it; None where the store does not know."""

    name: str
    version: str
    names: list[str] = field(default_factory=list)
    data_hash: str | None = None
    imgsz: str | None = None
    test_map50_95: float | None = None
    aliases: list[str] = field(default_factory=list)

    @property
    def spec(self) -> str:
        """What to write in params to start from this version."""
        return f"models:/{self.name}/{self.version}"


Scores = dict[tuple[str, str], float]  # test_map50_95 per (registered model, version)


def evaluation_scores(registry: Any, tracking: TrackingParams) -> Scores:
    """test_map50_95 per (registered model, version), from the finished evaluate runs of every experiment."""
    experiments = [e.experiment_id for e in registry.search_experiments(max_results=1000)]
    if not experiments:
        return {}
    runs = registry.search_runs(
        experiments,
        filter_string="tags.`yoloop.stage` = 'evaluate' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time ASC"],
        max_results=10000,
    )
    own = registry.get_experiment_by_name(tracking.experiment)
    scores = {}
    for run in runs:
        tags, metric = run.data.tags, run.data.metrics.get("test_map50_95")
        in_own_experiment = own is not None and run.info.experiment_id == own.experiment_id
        model = tags.get(MODEL_TAG) or (tracking.registered_model if in_own_experiment else None)
        if model and VERSION_TAG in tags and metric is not None:
            scores[(model, tags[VERSION_TAG])] = metric
    return scores


def training_run(registry: Any, version: Any) -> Any | None:
    """The run that trained `version` (through the version it was registered again from); None if gone."""
    from mlflow.exceptions import MlflowException

    try:
        origin = version.tags.get(REGISTERED_FROM)
        if origin and "/" in origin:
            version = registry.get_model_version(*origin.rsplit("/", 1))
        return registry.get_run(version.run_id) if version.run_id else None
    except MlflowException:
        return None


def class_names(name: str, version: str) -> list[str]:
    """The classes a version was logged with; none when it has no readable MLmodel (registered by hand)."""
    from mlflow.exceptions import MlflowException

    try:
        return registered_class_names(name, version)
    except (MlflowException, OSError):
        return []


def version_facts(registry: Any, version: Any, aliases: list[str], scores: Scores) -> VersionFacts:
    run = training_run(registry, version)
    tags, params = (run.data.tags, run.data.params) if run else ({}, {})
    return VersionFacts(
        name=version.name,
        version=str(version.version),
        names=class_names(version.name, str(version.version)),
        data_hash=tags.get(DATA_HASH_TAG),
        imgsz=params.get(f"{tags.get('yoloop.stage')}.imgsz"),
        test_map50_95=scores.get((version.name, str(version.version))),
        aliases=aliases,
    )


def registered_catalog(tracking: TrackingParams) -> list[VersionFacts]:
    """Every version of every registered model in the store, by model name then version."""
    if store_is_empty():
        return []
    registry = client()
    scores = evaluation_scores(registry, tracking)
    found = []
    for model in sorted(registry.search_registered_models(max_results=1000), key=lambda m: m.name):
        held: dict[str, list[str]] = {}
        for alias, number in (model.aliases or {}).items():
            held.setdefault(str(number), []).append(alias)
        versions = registry.search_model_versions(f"name='{model.name}'", max_results=10000)
        for version in sorted(versions, key=lambda v: int(v.version)):
            found.append(version_facts(registry, version, sorted(held.get(str(version.version), [])), scores))
    return found
