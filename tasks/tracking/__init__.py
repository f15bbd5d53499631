"""MLflow: a stage's run (its params, code and data versions, its owner, and the runs a killed stage
left RUNNING), the store and what a stage does when it stops answering, the model registry (versions,
their weights and class names, registration, the champion's classes, the version a renamed model is
judged as) and its promotion lock, the registry as a catalogue of start models (`yoloop zoo list`), the pyfunc
face of a detector, and MLflow's servers.

Imports core/ and versioning/ (the data version a run is tagged with).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "catalog": ["VersionFacts", "registered_catalog"],
        "registry": [
            "CHALLENGER",
            "CHAMPION",
            "RegisteredWeights",
            "candidate_version",
            "champion_version",
            "check_champion_classes",
            "client",
            "fetch_registered_weights",
            "find_version",
            "register_weights",
            "registered_class_names",
            "require_shared_classes",
            "split_model_uri",
            "tag_model_version",
            "version_tagged",
        ],
        "registered_names": ["MODEL_TAG", "VERSION_TAG", "registered_model_names", "require_registered_model"],
        "registry_lock": ["RegistryLockTimeout", "promotion_lock"],
        "runs": [
            "end_dead_runs",
            "log_artifacts",
            "log_metrics",
            "log_tags",
            "metric_name",
            "owner_is_gone",
            "owner_tags",
            "stage_run",
        ],
        "server": ["TrackingServer", "server_command", "start_mlflow_ui", "start_tracking_server"],
        "store": [
            "StoreDown",
            "connection_error",
            "reachable_tracking_uri",
            "store_answers",
            "store_is_empty",
            "tracking_uri",
        ],
    },
)
