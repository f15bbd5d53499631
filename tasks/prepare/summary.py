"""metrics/prepare.json: what the prepared dataset holds per split, and the warnings about it.

A DVC output, not a DVC metric: per split and per class it would add tens of columns to the one table
`dvc metrics show` prints (tasks/core/headline.py)."""

from __future__ import annotations

from typing import Any

from tasks.core import Finding, Layout, grouped_lines, write_json
from tasks.data import imbalance_findings, imbalance_ratio


def print_findings(findings: list[Finding]) -> None:
    """Warnings and errors on the console, a kind repeated many times as one line; of the notes, only those about
    params.yaml (what prepare.resplit drew, the pool's size): notes about single files stay in the reports."""
    for severity in ("error", "warning", "note"):
        chosen = [f for f in findings if f.severity == severity and (severity != "note" or f.path == "params.yaml")]
        for line in grouped_lines(chosen, "metrics/prepare.json"):
            print(f"{severity}: {line.strip()}")


def write_prepare_summary(
    layout: Layout, stats: dict[str, dict], findings: list[Finding], max_ratio: float
) -> dict[str, Any]:
    """Images, instances per class, imbalance and backgrounds per split; class imbalance beyond `max_ratio` warns."""
    summary_path = layout.metrics / "prepare.json"
    findings = [*findings, *imbalance_findings(stats, max_ratio, str(summary_path))]
    print_findings(findings)
    summary = {
        "images": {split: s["images"] for split, s in stats.items()},
        "instances": {split: {n: c["instances"] for n, c in s["classes"].items()} for split, s in stats.items()},
        "imbalance_ratio": {split: imbalance_ratio(s) for split, s in stats.items()},
        "backgrounds": {split: s["backgrounds"] for split, s in stats.items()},
        "warnings": [str(f) for f in findings if f.severity != "note"],
    }
    write_json(summary_path, summary)
    return summary
