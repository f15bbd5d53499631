"""Checks of YOLO label files, line by line, before anything trusts them.

`read_labels` in tasks/core/yolo_files.py parses files already known to be valid; this
module is the gate in front of it: every line that is not a box yoloop can train on
gives a finding naming the file, the line and the reason. `check_image_file` (the
image side of the same gate) lives in tasks/data/image_check.py and is re-exported here.
"""

from __future__ import annotations

import math
from pathlib import Path

from tasks.core import Finding
from tasks.data.image_check import check_image_file
from tasks.core import Label

__all__ = ["check_image_file", "check_label_file", "parse_label_file", "parse_label_text"]

EDGE_TOLERANCE = 1e-3  # rounding in exported labels; a box past the edge by more than this is clipped


def _numbers(fields: list[str], where: tuple[str, int]) -> tuple[list[float] | None, Finding | None]:
    try:
        values = [float(f) for f in fields]
    except ValueError:
        bad = next(f for f in fields if not _is_number(f))
        return None, Finding(*where, f"not a number: {bad!r}", "error")
    if not all(math.isfinite(v) for v in values):
        return None, Finding(*where, "NaN or infinite value", "error")
    return values, None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _class_id(text: str, class_count: int, where: tuple[str, int]) -> tuple[int | None, Finding | None]:
    try:
        cls = int(text)
    except ValueError:
        return None, Finding(*where, f"class id {text!r} is not a whole number", "error")
    if not 0 <= cls < class_count:
        reason = f"class id {cls} outside the {class_count} class names (0..{class_count - 1})"
        return None, Finding(*where, reason, "error")
    return cls, None


def _polygon_box(cls: int, coords: list[float]) -> Label:
    xs, ys = coords[0::2], coords[1::2]
    return Label.from_corners(cls, min(xs), min(ys), max(xs), max(ys))


def check_line(text: str, class_count: int, where: tuple[str, int]) -> tuple[Label | None, list[Finding]]:
    """One label line: `class x y w h` (fractions of the image), or a polygon, turned into its box."""
    fields = text.split()
    if len(fields) != 5 and (len(fields) < 7 or len(fields) % 2 == 0):
        return None, [Finding(*where, f"expected 5 fields (class x y w h), got {len(fields)}", "error")]
    cls, bad = _class_id(fields[0], class_count, where)
    values, bad_number = _numbers(fields[1:], where)
    if bad or bad_number:
        return None, [f for f in (bad_number, bad) if f]
    found: list[Finding] = []
    if len(fields) > 5:
        found.append(Finding(*where, "polygon (segment) converted to its bounding box", "warning"))
    outside = [v for v in values if not 0.0 <= v <= 1.0]
    if outside:
        return None, [*found, Finding(*where, f"coordinate {outside[0]:g} outside [0, 1]", "error")]
    box = Label(cls, *values) if len(fields) == 5 else _polygon_box(cls, values)
    if box.w <= 0 or box.h <= 0:
        return None, [*found, Finding(*where, f"box has zero or negative area (w={box.w:g}, h={box.h:g})", "error")]
    x0, y0, x1, y1 = box.corners()
    if min(x0, y0) < -EDGE_TOLERANCE or max(x1, y1) > 1 + EDGE_TOLERANCE:
        found.append(Finding(*where, "box extends past the image edge; clipped", "warning"))
    return Label.from_corners(cls, max(x0, 0.0), max(y0, 0.0), min(x1, 1.0), min(y1, 1.0)), found


def parse_label_text(text: str, class_count: int, path: str) -> tuple[list[Label], list[Finding]]:
    """The valid boxes of a label file and a finding for every line that is not one."""
    labels: list[Label] = []
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key = " ".join(line.split())
        if key in seen:
            findings.append(Finding(path, number, f"duplicate of line {seen[key]}; kept once", "warning"))
            continue
        seen[key] = number
        label, line_findings = check_line(line, class_count, (path, number))
        findings += line_findings
        labels += [label] if label else []
    return labels, findings


def parse_label_file(path: Path, class_count: int) -> tuple[list[Label], list[Finding]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [Finding(str(path), None, f"cannot read label file: {exc.strerror or exc}", "error")]
    except UnicodeDecodeError:
        return [], [Finding(str(path), None, "not a text file (not UTF-8)", "error")]
    return parse_label_text(text, class_count, str(path))


def check_label_file(path: Path, class_count: int) -> list[Finding]:
    """Every problem of a YOLO label file, one finding per line at fault."""
    return parse_label_file(path, class_count)[1]
