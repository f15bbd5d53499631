"""The transfer section of params.yaml and the pure parts of a transfer: strategies, replay, sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.core import InputError, Layout, load_params
from tasks.core.params import ParamsError
from tasks.train import resolve_source
from tasks.train.transfer import frozen_layers, sample_replay
from testkit.profiles import PROJECT_PARAMS, write_params


def test_project_params_run_scratch_then_transfer_then_evaluate_it():
    params = load_params(PROJECT_PARAMS)  # the checkout's, whatever the current directory
    assert params.train.data == "base" and params.evaluate.model == "transfer"
    assert params.transfer.source == "train" and params.transfer.data == "all" and params.transfer.strategy == "full"
    assert params.transfer.epochs * 2 <= params.train.epochs, "transfer should cost a fraction of scratch"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"strategy": "frozen"}, "transfer.strategy: input should be 'full', 'freeze_backbone' or 'head_only'"),
        (
            {"from": "models:/yoloop-detector"},
            "transfer.from: must be models:/<name>@<alias> or models:/<name>/<version>",
        ),
        ({"from": "Best Model"}, "transfer.from: must be a stage name"),
        ({"data": "old"}, "transfer.data: input should be 'new_only', 'all' or 'replay'"),
        ({"replay": 0}, "transfer.replay: input should be greater than 0"),
        ({"ultralytics": {"freeze": 3}}, "'freeze' is set by yoloop or by its own key"),
        ({"source": "train"}, "transfer.source: unknown key"),
    ],
)
def test_bad_transfer_params_are_named(tmp_path, override, message):
    with pytest.raises(ParamsError) as caught:
        load_params(write_params(tmp_path / "params.yaml", {"transfer": override}))
    assert any(message in line for line in caught.value.lines), caught.value.lines


@pytest.mark.parametrize("source", ["models:/yoloop-detector@champion", "models:/yoloop-detector/12", "w/best.pt"])
def test_good_sources_load(tmp_path, source):
    assert load_params(write_params(tmp_path / "params.yaml", {"transfer": {"from": source}})).transfer.source == source


def test_strategies_freeze_nothing_the_backbone_or_all_but_the_head():
    assert frozen_layers("full", 10, 23) == []
    assert frozen_layers("freeze_backbone", 10, 23) == list(range(10))
    assert frozen_layers("head_only", 10, 23) == list(range(22))
    with pytest.raises(InputError, match="would freeze the head"):
        frozen_layers("freeze_backbone", 22, 23)


def test_replay_takes_a_fixed_share_of_the_old_images():
    images = [Path(f"{i}.jpg") for i in range(40)]
    first = sample_replay(images, 0.25, seed=3)
    assert len(first) == 10 and first == sample_replay(images, 0.25, seed=3) and first != sample_replay(images, 0.25, 4)
    assert len(sample_replay(images, 0.001, seed=3)) == 1


def test_missing_sources_are_named(tmp_path):
    with pytest.raises(InputError, match=r"models/train/weights.pt: missing; run `dvc repro train` first"):
        resolve_source("train", Layout(tmp_path), tmp_path)
    with pytest.raises(InputError, match="nope.pt: no such weights file"):
        resolve_source("nope.pt", Layout(tmp_path), tmp_path)
