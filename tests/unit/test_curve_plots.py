"""A study's learning curves as DVC plots (tasks/loop/efficiency.py): `dvc plots show` draws one line per arm."""

from __future__ import annotations

import csv
import json

from tasks.loop.efficiency import write_curve_plots
from testkit.processes import python


def _curve(means: list[float]) -> dict:
    rows = [
        {"round": r, "images": 60.0 + 20 * r, "map50_95": {"mean": m, "low": m - 0.01, "high": m + 0.01, "n": 3}}
        for r, m in enumerate(means)
    ]
    return {"curve": rows}


def test_dvc_plots_show_draws_each_arm_of_a_study_once_it_has_run(tmp_path):
    python("-m", "dvc", "init", "--no-scm", "-q", cwd=tmp_path)
    summary = {"arms": {"random": _curve([0.1, 0.2, 0.3]), "uncertainty": _curve([0.1, 0.25, 0.35])}}
    dest = tmp_path / "reports/active_learning"
    write_curve_plots(summary, dest, "Active learning: random, uncertainty over 3 repeats")

    with (dest / "curves/uncertainty.csv").open() as rows:
        table = list(csv.DictReader(rows))
    assert [(r["round"], r["images"], r["map50_95"], r["low"]) for r in table][1] == ("1", "80.0", "0.25", "0.24")
    shown = json.loads(python("-m", "dvc", "plots", "show", "--json", cwd=tmp_path).stdout)
    assert not shown.get("errors"), shown["errors"]
    (plot,) = shown["data"]["learning curve (active_learning)"]
    assert plot["content"]["title"]["text"].startswith("Active learning")
    assert '"y": {"field": "map50_95"' in json.dumps(plot["content"]["layer"]), "the mean is the line drawn"
    points = {
        (row["filename"], float(row["images"]), float(row["map50_95"])) for row in plot["content"]["data"]["values"]
    }
    expected = {
        (f"{arm}.csv", 60.0 + 20 * r, m)
        for arm, ms in (("random", [0.1, 0.2, 0.3]), ("uncertainty", [0.1, 0.25, 0.35]))
        for r, m in enumerate(ms)
    }
    assert points == expected
