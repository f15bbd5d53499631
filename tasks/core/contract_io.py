"""How a file that crosses stages is read and written: a pydantic model with a `version`, one error line per problem.

A stage that writes such a file and the stage (or command) that reads it agree on its model, one of
tasks/core/contracts*.py; nothing else parses it. Reading validates the whole file: a field of the
wrong type, a required field missing, an unknown field where the model allows none, or a `version`
newer than this code knows is an `InputError` (exit 2) with one line per problem, `<file>: <field>:
<reason>`, the field as a dotted path (`images[3].draft_boxes`). A file without `version` was written
before files carried one, and reads as version 1. Writing validates too, and writes sorted, indented
JSON atomically, with exactly the fields the writer set (plus `version`), so a file read then written
back keeps its bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from tasks.core.errors import InputError
from tasks.core.yolo_files import write_json

C = TypeVar("C", bound="Contract")
RESTORE = "restore it (`dvc checkout`) or rerun the stage that writes it"


class Contract(BaseModel):
    """A file one stage writes and another reads: typed fields, no unknown ones, and the version of its layout."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    VERSION: ClassVar[int] = 1  # the newest layout this code reads and the one it writes

    version: int = 1
    """The version of the file's layout; a file without one was written before files carried one (version 1)."""

    @field_validator("version")
    @classmethod
    def known_version(cls, value: int) -> int:
        if value > cls.VERSION:
            raise ValueError(f"version {value} is newer than this yoloop reads ({cls.VERSION}): update yoloop")
        if value < 1:
            raise ValueError(f"version {value} is no version (they start at 1)")
        return value


class Part(BaseModel):
    """A part of a contract (an entry, a record): typed fields, no unknown ones."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


def dotted_path(loc: tuple) -> str:
    """A validation error's location as a field path: `images[3].draft_boxes`; a key that is no name in brackets."""
    text = ""
    for part in loc:
        if isinstance(part, int) or not re.fullmatch(r"[A-Za-z_]\w*", str(part)):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "<top level>"


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def problem_lines(exc: ValidationError, path: Path | str) -> list[str]:
    """One `<file>: <field>: <reason>` line per problem pydantic found."""
    lines = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
        if error["type"] == "missing":
            reason = "required field is missing"
        elif error["type"] == "extra_forbidden":
            reason = f"unknown field (got {_shown(error['input'])})"
        else:
            reason = f"{error['msg'].removeprefix('Value error, ')} (got {_shown(error['input'])})"
        lines.append(f"{path}: {dotted_path(loc)}: {reason}")
    return lines


def validated(model: type[C], data: Any, path: Path | str) -> C:
    """`data` as `model`, or an InputError naming `path` and each field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problem_lines(exc, path)) from None


def read_contract(path: Path, model: type[C], missing: str = "") -> C:
    """The file at `path` as `model`; an InputError when it is missing (`missing` says what to run), not JSON,
    or does not match."""
    if not path.is_file():
        raise InputError(f"{path}: missing" + (f"; {missing}" if missing else ""))
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file ({exc.reason}); {RESTORE}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {RESTORE}") from None
    return validated(model, data, path)


def contract_json(contract: Contract) -> dict[str, Any]:
    """What a writer set (with the field names the file uses), and the version written."""
    payload = contract.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return {**payload, "version": type(contract).VERSION}


def write_contract(path: Path, contract: Contract) -> None:
    """`contract` as sorted, indented JSON, written atomically."""
    write_json(path, contract_json(contract))
