"""The names of the registered models a store holds (what the loop page lists and `--model NAME` is checked
against), and the tag that says which one a stage's run worked for.

A module of its own, apart from the registry's reads and writes, so that the loop page (which the mine stage
rewrites) needs only the store, not the stage runs.
"""

from __future__ import annotations

from tasks.core import InputError
from tasks.tracking.store import reachable_tracking_uri

MODEL_TAG = "yoloop.registered_model"  # which registered model's history a run belongs to (the loop page's filter)
VERSION_TAG = "yoloop.model_version"  # on an evaluate run: the registered version it evaluated (loop_history.py)


def registered_model_names() -> list[str]:
    """The names of the store's registered models, sorted."""
    from mlflow import MlflowClient

    return sorted(m.name for m in MlflowClient(reachable_tracking_uri()).search_registered_models(max_results=1000))


def require_registered_model(name: str, option: str = "--model") -> list[str]:
    """The store's registered model names when `name` is one of them; else an InputError naming `option`, `name`
    and the names there are."""
    known = registered_model_names()
    if name not in known:
        listed = ", ".join(known) if known else "none yet"
        raise InputError(
            f"{option} {name}: no registered model of that name in the MLflow store at {reachable_tracking_uri()} "
            f"(registered models: {listed})"
        )
    return known
