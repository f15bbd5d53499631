"""`yoloop transfer-modes` on tiny settings: the three modes on three nested shares, one table with every cell."""

from __future__ import annotations

import json
import math

import pytest

from flows.transfer_modes import transfer_modes_flow

pytestmark = pytest.mark.slow

MODES = ["full", "freeze_backbone", "head_only"]


def test_the_modes_study_on_tiny_settings_writes_its_table_with_every_cell(trained_project, tmp_path, monkeypatch):
    project = trained_project.copy_to(tmp_path / "project").enter(monkeypatch)  # transfer.from: train's model
    project.update_params({"transfer_modes": {"fractions": [0.25, 0.5, 1.0], "epochs": 1}})
    report = transfer_modes_flow(project.params(), project.root)
    out = project.root / "reports/transfer_modes"
    table = json.loads((out / "table.json").read_text())
    assert table == report
    cells = table["cells"]
    assert [(c["fraction"], c["mode"]) for c in cells] == [(f, m) for f in (0.25, 0.5, 1.0) for m in MODES]
    for cell in cells:
        assert isinstance(cell["map50_95"], float) and math.isfinite(cell["map50_95"]), cell
        assert cell["wall_s"] > 0 and cell["epochs"] == 1, cell
    images = {c["fraction"]: c["train_images"] for c in cells}
    assert 0 < images[0.25] < images[0.5] < images[1.0] == table["settings"]["train_images"]
    for share in (0.25, 0.5, 1.0):
        trained = {c["mode"]: c["trainable_params"] for c in cells if c["fraction"] == share}
        assert trained["full"] > trained["freeze_backbone"] > trained["head_only"] > 0, trained
    assert set(table["recommendation"]["per_fraction"]) == {"0.25", "0.5", "1.0"}
    markdown = (out / "table.md").read_text()
    print(markdown)
    assert sum(line.startswith(("| 25% |", "| 50% |", "| 100% |")) for line in markdown.splitlines()) == 9
    assert f"recommendation: {table['recommendation']['sentence']}" in markdown.splitlines()
