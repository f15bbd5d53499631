"""The headline figures of the DVC metrics files (tasks/core/headline.py) and what dvc.yaml declares as metrics."""

from __future__ import annotations

import json

import yaml

from tasks.core import evaluation_headline, training_headline
from tasks.core.headline import EVALUATE_KEYS, HEADLINE_KEYS, decision_word
from testkit.processes import PROJECT
from tests.metrics_table import assert_fits, dvc_table, dvc_view

CLASSES = ("ring", "cross", "star")


def declared(kind: str) -> dict[str, str]:
    """Each path dvc.yaml's stages declare under `kind` (metrics, outs, plots), with its stage."""
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    found = {}
    for stage, body in stages.items():
        for entry in body.get(kind, []):
            found[entry if isinstance(entry, str) else next(iter(entry))] = stage
    return found


def result(ms: float = 12.34, file_bytes: int = 6_189_994) -> dict:
    """An evaluation's details as tasks/evaluate/scoring.py writes them, the fields the headline reads."""
    per_class = {name: {"ap50_95": 0.123456 * (i + 1), "ap50": 0.2} for i, name in enumerate(CLASSES)}
    speed = {"1": {"total": ms, "inference": ms - 1}, "16": {"total": ms / 2}}
    return {
        **{"map50": 0.5123456, "map50_95": 0.3123456, "precision": 0.7001, "recall": 0.41},
        **{"per_class": per_class, "speed": {"batch": speed}, "size": {"file_bytes": file_bytes}},
    }


def test_only_the_headline_files_are_dvc_metrics_and_their_details_are_outputs():
    assert declared("metrics") == {f"metrics/{stage}.json": stage for stage in HEADLINE_KEYS}
    outs = declared("outs")
    for stage in HEADLINE_KEYS:
        assert outs[f"metrics/{stage}_details.json"] == stage
    for name, stage in (("compare", "evaluate"), ("prepare", "prepare"), ("audit", "audit")):
        assert outs[f"metrics/{name}.json"] == stage, f"metrics/{name}.json is an output, not a DVC metric"


def test_the_evaluation_headline_is_flat_short_and_rounded():
    headline = evaluation_headline(result(), {"promote": True}, {"version": "2", "champion_before": None})
    assert set(headline) == set(EVALUATE_KEYS)
    assert headline["AP"] == {"ring": 0.123, "cross": 0.247, "star": 0.37}
    assert (headline["mAP50"], headline["mAP50-95"], headline["P"], headline["R"]) == (0.512, 0.312, 0.7, 0.41)
    assert (headline["ms"], headline["MB"], headline["decision"]) == (12.3, 6.2, "promoted")


def test_training_headline_reads_ultralytics_names():
    names = {"metrics/mAP50(B)": 0.51, "metrics/mAP50-95(B)": 0.3, "metrics/precision(B)": 0.7}
    assert training_headline({**names, "metrics/recall(B)": 0.4444}) == {
        "mAP50": 0.51,
        "mAP50-95": 0.3,
        "P": 0.7,
        "R": 0.444,
    }


def test_the_decision_says_what_the_version_is_now():
    def word(promote: bool, version: str | None, before: str | None) -> str:
        return decision_word({"promote": promote}, {"version": version, "champion_before": before})

    assert word(True, "2", "1") == "promoted" and word(True, "2", None) == "promoted"
    assert word(True, "2", "2") == "champion"
    assert word(False, "2", "1") == "challenger"
    assert word(False, None, "1") == "unregistered"


def test_the_widest_headlines_fit_a_120_column_table(tmp_path):
    """Three classes, slow (999.9 ms) and large (999.9 MB) figures, the longest decision: still 120 columns."""
    project = tmp_path / "project"
    (project / "metrics").mkdir(parents=True)
    (project / "reports").mkdir()
    (project / "params.yaml").write_text((PROJECT / "params.yaml").read_text())
    slow = evaluation_headline(result(999.94, 999_940_000), {"promote": False}, {"version": None})
    trained = training_headline({"metrics/mAP50(B)": 0.123456, "metrics/mAP50-95(B)": 0.1, "metrics/recall(B)": 1})
    for stage, headline in (("evaluate", slow), ("train", trained), ("transfer", trained)):
        (project / "metrics" / f"{stage}.json").write_text(json.dumps(headline))
    table = dvc_table(dvc_view(project, tmp_path / "view"), "metrics", "show")
    assert_fits(table)
    assert "unregistered" in table and "999.9" in table and "AP.cross" in table
