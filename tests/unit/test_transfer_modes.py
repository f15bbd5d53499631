"""The fine-tuning modes study's pure parts: nested samples, the recommendation on hand-written figures, its params."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.studies.transfer_modes import NOISE, Cell, nested_samples, recommend, render_markdown


def images(count: int) -> list[Path]:
    return [Path(f"/data/train/{i:03d}.png") for i in range(count)]


def test_the_samples_are_nested_fixed_by_the_seed_and_never_empty():
    found = nested_samples(images(18), [1.0, 0.25, 0.5], seed=0)
    assert list(found) == [0.25, 0.5, 1.0], "smallest share first"
    assert [len(found[s]) for s in found] == [4, 9, 18]
    assert set(found[0.25]) <= set(found[0.5]) <= set(found[1.0]) == set(images(18)), "the 25% is inside the 50%"
    assert found == nested_samples(list(reversed(images(18))), [0.25, 0.5, 1.0], seed=0), "the input order is moot"
    other = nested_samples(images(18), [0.25, 0.5, 1.0], seed=1)
    assert other[0.5] != found[0.5], "another seed draws another sample"
    assert len(nested_samples(images(3), [0.01], seed=0)[0.01]) == 1, "at least one image"


def cell(mode: str, fraction: float, map50_95: float) -> Cell:
    trainable = {"full": 3_000_000, "freeze_backbone": 2_000_000, "head_only": 700_000}[mode]
    return Cell(mode, fraction, int(fraction * 100), 5, map50_95, 10.0, trainable, [])


def test_the_recommendation_is_the_best_score_or_the_cheapest_within_the_noise():
    cells = [
        cell("full", 0.25, 0.20),
        cell("freeze_backbone", 0.25, 0.30),
        cell("head_only", 0.25, 0.30 - NOISE / 2),  # within the noise of the best: fewer parameters win
        cell("full", 1.0, 0.60),
        cell("freeze_backbone", 1.0, 0.50),
        cell("head_only", 1.0, 0.40),
    ]
    found = recommend(cells)
    per = found["per_fraction"]
    assert per["0.25"]["mode"] == "head_only" and "within 0.01 of freeze_backbone" in per["0.25"]["reason"]
    assert per["1.0"]["mode"] == "full" and "0.100 above the next" in per["1.0"]["reason"]
    assert (
        found["sentence"]
        == "The mode depends on how much data there is (25%: head_only; 100%: full); with all of it, full."
    )
    same = recommend([cell("full", 0.5, 0.5), cell("head_only", 0.5, 0.1), cell("full", 1.0, 0.7)])
    assert same["sentence"] == "Fine-tune full at every share of the train split measured."


def test_nothing_learned_recommends_no_mode():
    found = recommend([cell(mode, 0.5, 0.0) for mode in ("full", "freeze_backbone", "head_only")])
    assert found["per_fraction"]["0.5"]["mode"] is None
    assert "train longer to decide" in found["sentence"]


def test_the_table_has_a_row_per_cell_and_the_recommendation_line():
    from dataclasses import asdict

    cells = [cell(mode, 1.0, 0.1 * i) for i, mode in enumerate(("full", "freeze_backbone", "head_only"))]
    settings = {"from": "train", "epochs": 5, "imgsz": 64, "train_images": 18, "seed": 0, "test_images": 6}
    report = {"cells": [asdict(c) for c in cells], "recommendation": recommend(cells)}
    table = render_markdown({**report, "settings": {**settings, "device": "cpu", "freeze": 10}})
    assert sum(line.startswith("| 100% |") for line in table.splitlines()) == 3
    assert "| 100% | 100 | head_only | 0.2000 | 10.0 | 700,000 | 0 |" in table
    assert "recommendation: Fine-tune head_only at every share" in table


def test_the_params_reject_shares_outside_zero_to_one_and_repeats():
    from pydantic import ValidationError

    from tasks.core.schema import TransferModesParams

    assert TransferModesParams(fractions=[1.0, 0.25]).fractions == [0.25, 1.0]
    for bad in ([0.0], [1.5], [0.5, 0.5], []):
        with pytest.raises(ValidationError):
            TransferModesParams(fractions=bad)


def test_the_command_runs_the_flow_as_a_stage_with_its_epochs(monkeypatch):
    from typer.testing import CliRunner

    import tasks.orchestration
    from cli.main import app

    called = {}

    def run_stage(flow, argv):
        called.update(name=flow.__name__, keywords=flow.keywords, argv=argv)
        return 0

    monkeypatch.setattr(tasks.orchestration, "run_stage", run_stage)
    result = CliRunner().invoke(app, ["transfer-modes", "--epochs", "3", "--params", "p.yaml"])
    assert result.exit_code == 0, result.output
    assert called == {"name": "transfer_modes_flow", "keywords": {"epochs": 3}, "argv": ["--params", "p.yaml"]}
    assert CliRunner().invoke(app, ["transfer-modes", "--epochs", "0"]).exit_code == 2, "epochs start at 1"
