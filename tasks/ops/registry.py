"""The model in production: whichever registered version holds the `champion` alias.

tasks/tracking.register_weights logs each model as a pyfunc whose `weights` artifact is
the Ultralytics .pt file; its MLmodel file says where that artifact sits in the model
folder and which class names the model has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class RegisteredWeights:
    version: str
    weights: Path
    names: list[str]


def fetch_version_weights(model_name: str, version: str, dest: Path) -> RegisteredWeights:
    """Download one registered version into `dest` and return its .pt file and class names."""
    import mlflow

    folder = Path(
        mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{model_name}/{version}", dst_path=str(dest))
    )
    spec: dict[str, Any] = yaml.safe_load((folder / "MLmodel").read_text())
    relative = spec["flavors"]["python_function"]["artifacts"]["weights"]["path"]
    return RegisteredWeights(version, folder / relative, list(spec.get("metadata", {}).get("class_names", [])))
