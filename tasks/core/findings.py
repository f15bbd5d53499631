"""Findings: what validation says about one file (and line), and why.

Every check in yoloop (import, label import, prepare) reports through this one type,
so a user reads the same `path:line: reason` lines whatever step found them.
`error` blocks the file (strict: stop; lenient: quarantine), `warning` means yoloop
fixed something in a well-defined way, `note` is information (conversions, counts).
"""

from __future__ import annotations

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


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def summarize(findings: list[Finding], title: str) -> str:
    """A readable report: counts per severity, then every finding, errors first."""
    counts = Counter(f.severity for f in findings)
    lines = [title, ", ".join(f"{counts[s]} {s}s" for s in SEVERITIES), ""]
    for severity in SEVERITIES:
        chosen = [f for f in findings if f.severity == severity]
        if chosen:
            lines.append(f"{severity.upper()}S ({len(chosen)})")
            lines += [f"  {f}" for f in chosen]
            lines.append("")
    return "\n".join(lines)
