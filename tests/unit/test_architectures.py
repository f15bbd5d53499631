"""The architecture comparison's table, plot and params, on hand-built rows."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_architectures_table_marks_the_speed_accuracy_front(tmp_path):
    from tasks.studies import write_comparison
    from tasks.studies.architectures import pareto_front

    rows = [
        {"model": "a.yaml", "parameters": 3, "gflops": 1.0, "map50": 0.5, "map50_95": 0.30, "latency_ms": 5.0},
        {"model": "b.yaml", "parameters": 2, "gflops": 0.8, "map50": 0.6, "map50_95": 0.35, "latency_ms": 4.0},
        {"model": "c.yaml", "parameters": 9, "gflops": 3.0, "map50": 0.7, "map50_95": 0.40, "latency_ms": 9.0},
    ]
    rows = [{**r, "train_s": 1.0} for r in rows]
    assert pareto_front(rows) == {"b.yaml", "c.yaml"}, "a is slower and less accurate than b"
    files = write_comparison(rows, "cpu", tmp_path)
    assert [f.name for f in files] == ["table.json", "table.md", "speed_accuracy.png"]
    table = files[1].read_text()
    assert table.index("b.yaml *") < table.index("a.yaml |") < table.index("c.yaml *"), "rows ordered by speed"
    assert files[2].stat().st_size > 1000


def test_architectures_params_reject_bad_model_names():
    from pydantic import ValidationError

    from tasks.core.schema import ArchitecturesParams

    assert ArchitecturesParams().models == ["yolov8n.yaml", "yolo11n.yaml", "yolov10n.yaml"]
    with pytest.raises(ValidationError, match="must name a model yaml"):
        ArchitecturesParams(models=["yolov8n"])
    with pytest.raises(ValidationError, match="repeat"):
        ArchitecturesParams(models=["yolov8n.yaml", "yolov8n.yaml"])


def test_cli_has_the_architectures_command(monkeypatch):
    from typer.testing import CliRunner

    from cli import main as cli

    calls = []
    monkeypatch.setattr(cli, "run_flow", lambda module, name, params: calls.append((module, name, params)) or 0)
    result = CliRunner().invoke(cli.app, ["architectures", "--params", "other.yaml"])
    assert result.exit_code == 0, result.output
    assert calls == [("flows.architectures", "architectures_flow", Path("other.yaml"))]
