"""What the loop page shows, gathered from MLflow (evaluations, registered versions) and from files (rounds).

MLflow already holds one `evaluate` run per evaluation (mAP, decision, champion after). What
it lacks, the model version evaluated and how many labelled training images there were, is
added as tags on that run by `record_evaluation` when evaluate ends; so the page is rebuilt from
MLflow and the files at any time and keeps no history of its own.

One page is one registered model: every stage's run is tagged with the registered model it works for
(`MODEL_TAG`, tasks/tracking/runs.py), and the page shows the evaluations of that model only, from
every experiment of the store. Evaluations from before runs carried that tag name no model: they are
counted on the page, never shown as another model's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tasks.core import Layout, TrackingParams, details_file, read_split_stats
from tasks.tracking import MODEL_TAG, VERSION_TAG, reachable_tracking_uri

LABELLED_TAG = "yoloop.labelled_train_images"


def labelled_train_images(prepared: Path) -> int | None:
    """Images with labels in the training splits of the prepared card (label rounds land in new/train)."""
    splits = read_split_stats(prepared)
    if splits is None:
        return None
    return sum(s.images for name, s in splits.items() if name.endswith("/train"))


def _client():
    from mlflow import MlflowClient

    return MlflowClient(reachable_tracking_uri())


def _evaluate_runs(client: Any, tracking: TrackingParams, newest_first: bool = False) -> list:
    experiment = client.get_experiment_by_name(tracking.experiment)
    if experiment is None:
        return []
    order = "DESC" if newest_first else "ASC"
    return client.search_runs(
        [experiment.experiment_id],
        filter_string="tags.`yoloop.stage` = 'evaluate' and attributes.status = 'FINISHED' and "
        f"tags.`{MODEL_TAG}` = '{tracking.registered_model}'",
        order_by=[f"attributes.start_time {order}"],
        max_results=1000,
    )


def _finished_evaluations(client: Any) -> list:
    """Every finished evaluate run of the store, in every experiment, oldest first."""
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    return client.search_runs(
        experiments,
        filter_string="tags.`yoloop.stage` = 'evaluate' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time ASC"],
        max_results=5000,
    )


def record_evaluation(tracking: TrackingParams, layout: Layout) -> None:
    """Tag the evaluate run that just ended with the version it evaluated and the labelled images it had."""
    evaluated = details_file(layout.metrics, "evaluate")  # the headline (evaluate.json) holds no version
    client = _client()
    runs = _evaluate_runs(client, tracking, newest_first=True)
    if not runs or not evaluated.exists() or VERSION_TAG in runs[0].data.tags:
        return
    version = json.loads(evaluated.read_text()).get("model_version")
    client.set_tag(runs[0].info.run_id, VERSION_TAG, str(version))
    labelled = labelled_train_images(layout.prepared)
    if labelled is not None:
        client.set_tag(runs[0].info.run_id, LABELLED_TAG, str(labelled))


def _date(millis: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(millis / 1000)) if millis else ""


def unattributed_evaluations() -> int:
    """Finished evaluate runs that name no registered model (logged before runs were tagged with one)."""
    return sum(MODEL_TAG not in run.data.tags for run in _finished_evaluations(_client()))


def evaluations(model_name: str) -> list[dict]:
    """One row per finished evaluate run of the registered model `model_name`, oldest first."""
    rows = []
    for run in _finished_evaluations(_client()):
        tags, metrics = run.data.tags, run.data.metrics
        if tags.get(MODEL_TAG) != model_name:
            continue
        labelled = tags.get(LABELLED_TAG)
        rows.append(
            {
                "date": _date(run.info.start_time),
                "version": tags.get(VERSION_TAG, "?"),
                "map50_95": metrics.get("test_map50_95"),
                "map50": metrics.get("test_map50"),
                "decision": tags.get("yoloop.decision", ""),
                "champion_after": tags.get("yoloop.champion_after", ""),
                "labelled_images": int(labelled) if labelled and labelled.isdigit() else None,
            }
        )
    return rows


def registered_versions(model_name: str) -> list[dict]:
    """Every registered version, newest first, with the stage that trained it and its aliases.

    Aliases come from the registered model: MLflow's version search leaves them out.
    """
    from mlflow.exceptions import MlflowException

    client = _client()
    try:
        model = client.get_registered_model(model_name)
        found = client.search_model_versions(f"name='{model_name}'")
    except MlflowException:
        return []
    aliases = {alias: str(version) for alias, version in (model.aliases or {}).items()}
    rows = [
        {
            "version": v.version,
            "date": _date(v.creation_timestamp),
            "stage": v.tags.get("yoloop.stage", ""),
            "aliases": sorted(a for a, held in aliases.items() if held == str(v.version)),
        }
        for v in found
    ]
    return sorted(rows, key=lambda r: int(r["version"]), reverse=True)


def _boxes(folder: Path) -> int:
    return sum(len([line for line in p.read_text().splitlines() if line.strip()]) for p in folder.glob("*.txt"))


def label_rounds(layout: Layout) -> list[dict]:
    """Per round: images handed out with their draft boxes, and images (boxes) whose labels came back."""
    relabel, labels = layout.relabel, layout.labels
    numbers = {int(p.name.split("-")[1]) for root in (relabel, labels) for p in root.glob("round-*") if p.is_dir()}
    rows = []
    for number in sorted(numbers):
        out, back = relabel / f"round-{number}", labels / f"round-{number}"
        rows.append(
            {
                "round": number,
                "handed_out": len(list((out / "images").glob("*"))),
                "draft_boxes": _boxes(out / "labels"),
                "returned": len(list((back / "labels").glob("*.txt"))),
                "returned_boxes": _boxes(back / "labels"),
            }
        )
    return rows
