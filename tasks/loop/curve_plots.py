"""The label-efficiency learning curves as DVC plots: `dvc plots show` draws them wherever a study wrote them.

A study (`yoloop active-learning`, `python -m benchmarks.label_efficiency`) runs outside `dvc repro`,
so the project's dvc.yaml cannot name its files: a plot there whose file is missing is an error in
every `dvc plots show`. The study writes instead, beside its report, one CSV per arm (`curves/<arm>.csv`:
round, labelled images, mean test mAP50-95 over repeats, its interval) and a `dvc.yaml` holding only
the plot that draws them; DVC reads every dvc.yaml of the repository, so the curves appear (one line
per arm, named by its file) once the study has run, and not before.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from tasks.core import write_text_atomic

CURVES = "curves"
FIELDS = ("round", "images", "map50_95", "low", "high")


def _four(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)  # no interval from a single repeat: an empty cell


def _rows(curve: list[dict]) -> list[dict]:
    return [
        {
            "round": row["round"],
            "images": round(row["images"], 1),
            **{
                key: _four(row["map50_95"][name])
                for key, name in (("map50_95", "mean"), ("low", "low"), ("high", "high"))
            },
        }
        for row in curve
    ]


def write_curve_csv(path: Path, curve: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, FIELDS)
        writer.writeheader()
        writer.writerows(_rows(curve))


def write_curve_plots(summary: dict, dest: Path, title: str) -> Path:
    """dest/curves/<arm>.csv for every arm and dest/dvc.yaml defining their plot; returns the dvc.yaml."""
    arms = summary["arms"]
    for arm, entry in arms.items():
        write_curve_csv(dest / CURVES / f"{arm}.csv", entry["curve"])
    plot = {
        "title": title,
        "x": "images",
        "y": {f"{CURVES}/{arm}.csv": "map50_95" for arm in arms},
        "x_label": "labelled images",
        "y_label": "test mAP50-95, mean over repeats",
    }
    header = f"# Written by the study that wrote {dest.name}/report.json: the plot of its learning curves.\n"
    definition = yaml.safe_dump({"plots": [{f"learning curve ({dest.name})": plot}]}, sort_keys=False)
    return write_text_atomic(dest / "dvc.yaml", header + definition)
