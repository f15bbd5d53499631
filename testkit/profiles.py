"""Params profiles for tests and benchmarks: the project's params.yaml with small overrides, merged by key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from testkit.processes import PROJECT

PROJECT_PARAMS = PROJECT / "params.yaml"

# Small enough for 2 CPU cores in seconds, large enough that every class shows up in every split.
TINY: dict[str, Any] = {
    "prepare": {
        "builtin": {
            "image_size": 64,
            "images": {"base_train": 12, "base_val": 4, "new_train": 6, "new_val": 3, "test": 6, "pool": 8},
        }
    },
    "train": {"epochs": 1, "imgsz": 64, "batch": 8, "workers": 0},
    "transfer": {"epochs": 1, "imgsz": 64, "batch": 8, "workers": 0},
    "evaluate": {"imgsz": 64, "batch": 8, "workers": 0},
    "mine": {"imgsz": 64, "batch": 8, "k": 3, "conf": 0.001, "draft_conf": 0.001},
}


def merged(base: dict, overrides: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        result[key] = merged(result.get(key, {}), value) if isinstance(value, dict) and value else value
    return result


def write_params(path: Path, *overrides: dict[str, Any], base: Path = PROJECT_PARAMS) -> Path:
    """Write `base` (the project's params.yaml) with `overrides` applied in order to `path`; returns `path`."""
    params = yaml.safe_load(base.read_text())
    for override in overrides:
        params = merged(params, override)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path
