"""Does the champion of `tracking.registered_model` know any of the dataset's classes?

The evaluate stage compares every new model with the champion on the dataset's test split; a
champion of another dataset (the registered model's name left as it was) knows none of its
classes, and the comparison is meaningless. `yoloop check-params` and the start of the train and
transfer stages ask before any training, cheaply: the champion's class names come from its MLmodel
file, no weights are downloaded.
"""

from __future__ import annotations

from tasks.core.errors import InputError
from tasks.core.schema import TrackingParams
from tasks.ops.registry import champion_version, client, registered_class_names
from tasks.ops.tracking import store_is_empty


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
