"""`python -m benchmarks.gpu_check --tiny`: the GPU check kept working on a CPU, every row of its table accounted for.

The check exists to be run on a GPU machine lent for minutes; if it broke here, the minutes would go to finding
out why. This runs its tiny version as a user would and reads the JSON table it writes. Marked `device`: the
FP16 row is built where a CUDA device is (the check itself leaves this test out of its own `pytest -m device`).
"""

from __future__ import annotations

import json

import pytest

from testkit.processes import PROJECT, python

pytestmark = [pytest.mark.slow, pytest.mark.device]

# Written out here, not read from the check: a row that disappears from the table must fail this test.
ROWS = {
    "train stage vs yolo train",
    "export fp16",
    "export int8",
    "pool scoring vs predict",
    "label efficiency",
    "label audit",
    "device tests",
}


@pytest.mark.timeout(900)  # the check's own budget in tiny mode is 600 s; it takes about a minute on 2 quiet cores
def test_the_tiny_gpu_check_gives_every_row_a_figure_or_a_reason(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = python("-m", "benchmarks.gpu_check", "--tiny", "--out", str(out), cwd=PROJECT, timeout=700)
    report = json.loads(out.read_text())
    assert report["mode"] == "tiny" and set(report["rows"]) == ROWS
    for name, row in report["rows"].items():
        assert row["status"] in {"ok", "skipped"}, f"{name}: {row}"  # on a CPU, nothing may fail or run out of time
        if row["status"] == "ok":
            assert row["figure"], name
        else:
            assert row["reason"], name
        assert name in done.stdout, "the printed table has the row too"
    rows = report["rows"]
    assert rows["train stage vs yolo train"]["figures"]["wall_ratio_fastest"] > 0
    # One trained model and one prepared project serve the parts that can share them (tiny: no part's own data).
    assert rows["pool scoring vs predict"]["figures"]["weights"] == "the train row's model"
    assert rows["label efficiency"]["figures"]["project"] == "the train row's"
    int8 = rows["export int8"]["figures"]
    assert int8["precision"] == "int8" and {"device", "provider", "why"} <= set(int8["scored_on"])
    assert rows["pool scoring vs predict"]["figures"]["ratio"] > 0
    assert set(rows["label efficiency"]["figures"]["aulc"]) == {"random", "uncertainty"}
    assert rows["device tests"]["status"] == "skipped" and "tiny" in rows["device tests"]["reason"]
    for name in ("train stage vs yolo train", "export int8", "pool scoring vs predict", "label efficiency"):
        assert rows[name]["status"] == "ok", f"{name} needs no GPU and no real data: {rows[name]}"
    if report["device"] == "cpu":  # FP16 is a GPU format: skipped on a CPU, saying why
        assert rows["export fp16"]["status"] == "skipped" and "CUDA" in rows["export fp16"]["reason"]
    else:
        assert rows["export fp16"]["status"] == "ok" and rows["export fp16"]["figures"]["precision"] == "fp16"
