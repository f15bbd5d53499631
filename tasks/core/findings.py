"""Findings: what validation says about one file (and line), and why.

Every check in yoloop (import, label import, prepare) reports through this one type,
so a user reads the same `path:line: reason` lines whatever step found them.
`error` blocks the file (strict: stop; lenient: quarantine), `warning` means yoloop
fixed something in a well-defined way, `note` is information (conversions, counts).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One problem (or fact) about one file; `line` is 1-based, None when it is about the whole file."""

    path: str
    line: int | None
    reason: str
    severity: Literal["error", "warning", "note"]

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict:
        return asdict(self)


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


GROUP_AT = 4  # a kind of finding given this many times or more is one line with the count
GROUP_SHOWN = 3  # places named on such a line; report.json keeps every one


def _kind(reason: str) -> str:
    """A reason with its paths and numbers blanked: 'box (1,2)-(3,4) past the 416x416 image' is one kind for every
    box, 'same image as 2plysaci/images/train/a.jpg; kept once' one kind for every copy."""
    return re.sub(r"\d+(\.\d+)?", "#", re.sub(r"\S+/\S+", "<path>", reason))


def grouped_lines(chosen: list[Finding], full_list: str = "report.json") -> list[str]:
    """One line per finding, except that a kind repeated many times is one line, in the place of its first:
    the first in full, how many more, and where the next few are."""
    by_kind: dict[str, list[Finding]] = {}
    for finding in chosen:
        by_kind.setdefault(_kind(finding.reason), []).append(finding)
    lines = []
    for group in by_kind.values():
        if len(group) < GROUP_AT:
            lines += [f"  {f}" for f in group]
            continue
        lines.append(f"  {group[0]}  [and {len(group) - 1} more like it{_places(group)}; all in {full_list}]")
    return lines


def _places(group: list[Finding]) -> str:
    """' in 174 files: a.xml:3, b.xml:3, c.xml:3, ...' (relative to their common folder); '' for one file."""
    files = list(dict.fromkeys(f.path for f in group))
    if len(files) == 1:
        return ""
    common = os.path.commonpath(files) if all(os.path.isabs(f) for f in files) else ""
    common = os.path.dirname(common) if common in files else common
    shown = dict.fromkeys(
        (os.path.relpath(f.path, common) if common else f.path) + (f":{f.line}" if f.line else "") for f in group[1:]
    )
    more = ", ..." if len(shown) > GROUP_SHOWN else ""
    return f" in {len(files)} files: " + ", ".join(list(shown)[:GROUP_SHOWN]) + more


def summarize(findings: list[Finding], title: str, full_list: str = "report.json") -> str:
    """A readable report: counts per severity, then the findings, errors first, repeated reasons grouped."""
    counts = Counter(f.severity for f in findings)
    lines = [title, ", ".join(f"{counts[s]} {s}s" for s in SEVERITIES), ""]
    for severity in SEVERITIES:
        chosen = [f for f in findings if f.severity == severity]
        if chosen:
            lines.append(f"{severity.upper()}S ({len(chosen)})")
            lines += grouped_lines(chosen, full_list)
            lines.append("")
    return "\n".join(lines)
