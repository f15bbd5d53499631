"""The building blocks of the params schema: a section that forbids unknown keys, and shared checks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# Arguments yoloop sets itself; a user changes them through the keys of their own.
RESERVED_ULTRALYTICS_ARGS = {"data", "model", "device", "project", "name", "exist_ok", "seed", "mode", "task"}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_range(pair: tuple, low: float, high: float) -> tuple:
    if not low <= pair[0] <= pair[1] <= high:
        raise ValueError(f"must be [min, max] with {low} <= min <= max <= {high}")
    return pair


def _check_class_names(names: list[str]) -> list[str]:
    for name in names:
        if not name or name != name.strip():
            raise ValueError(f"class name {name!r} is empty or has leading or trailing whitespace")
    if len(set(names)) != len(names):
        raise ValueError(f"class names repeat: {names}")
    return names
