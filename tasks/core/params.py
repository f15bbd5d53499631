"""params.yaml: the single source of truth, validated on load.

A wrong key, type or value raises `ParamsError`, whose lines each name the file,
the line, the key path and the reason; the stages turn it into exit code 2
before any work starts.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tasks.core.errors import InputError
from tasks.core.schema import Params


class ParamsError(InputError):
    """params.yaml is missing, unreadable or invalid."""


def _key_lines(node: yaml.Node, prefix: tuple = ()) -> dict[tuple, int]:
    """Map each key path of a composed YAML document to its 1-based line."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines[path] = key.start_mark.line + 1
            lines.update(_key_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            lines[path] = item.start_mark.line + 1
            lines.update(_key_lines(item, path))
    return lines


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "<top level>"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of `loc`, to suggest the key meant."""
    model: Any = Params
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = field.annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _reason(error: dict) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        owner = _model_at(loc)
        close = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields) if owner else [], n=1)
        return "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "missing":
        return "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    message = message[0].lower() + message[1:]
    return f"{message}, got {error['input']!r}"


def _format_errors(exc: ValidationError, path: Path, lines: dict[tuple, int]) -> list[str]:
    messages = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        where = f"{path}:{line}" if line else str(path)
        messages.append(f"{where}: {_dotted(loc)}: {_reason({**error, 'loc': loc})}")
    return messages


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params; every problem is reported, each on one line."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ParamsError([f"{path}: cannot read params file: {exc.strerror or exc}"]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ParamsError([f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from exc
    if not isinstance(raw, dict):
        raise ParamsError([f"{path}: expected a mapping of sections at the top level, got {type(raw).__name__}"])
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(_format_errors(exc, path, _key_lines(node) if node else {})) from exc
