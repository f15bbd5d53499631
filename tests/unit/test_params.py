"""params.yaml validation: each kind of bad value gives its own message, naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tasks.core import load_params
from tasks.core.params import ParamsError
from testkit.profiles import PROJECT_PARAMS, write_params


def test_project_params_are_valid():
    params = load_params(PROJECT_PARAMS)
    assert params.train.imgsz % 32 == 0
    assert params.prepare.classes.all == params.prepare.classes.base + params.prepare.classes.new


def _errors(tmp_path: Path, override: dict) -> list[str]:
    path = write_params(tmp_path / "params.yaml", override)
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    return caught.value.lines


CASES = [
    ({"train": {"epoch": 3}}, "train.epoch: unknown key (did you mean 'epochs'?)"),
    ({"trian": {"epochs": 3}}, "trian: unknown key (did you mean 'train'?)"),
    ({"train": {"epochs": "ten"}}, "train.epochs: input should be a valid integer"),
    ({"train": {"epochs": 0}}, "train.epochs: input should be greater than or equal to 1, got 0"),
    ({"train": {"lr0": -0.1}}, "train.lr0: input should be greater than 0"),
    ({"train": {"lr0": 0.02}}, "train: lr0: ignored with optimizer: auto, which chooses its own"),
    ({"transfer": {"ultralytics": {"momentum": 0.9}}}, "transfer: momentum: ignored with optimizer: auto"),
    ({"train": {"data": "everything"}}, "train.data: input should be 'base', 'new' or 'all', got 'everything'"),
    ({"train": {"imgsz": 100}}, "train.imgsz: must be a multiple of 32"),
    ({"train": {"model": "yolov8n"}}, "train.model: must be a model yaml (such as yolov8n.yaml), a .pt file"),
    ({"train": {"model": "train"}}, "train.model: must be a model yaml"),  # a stage is transfer.from's alone
    ({"train": {"model": "zoo:my model"}}, "train.model: must be zoo:<name>"),
    ({"transfer": {"from": "zoo:"}}, "transfer.from: must be zoo:<name>"),
    ({"project": {"downloads": "always"}}, "project.downloads: input should be 'never' or 'named'"),
    ({"train": {"ultralytics": {"mixupp": 0.1}}}, "'mixupp' is not an Ultralytics argument (did you mean 'mixup'?)"),
    ({"train": {"ultralytics": {"data": "x.yaml"}}}, "'data' is set by yoloop"),
    ({"project": {"device": "gpu9"}}, "project.device: must be auto, cpu, mps, or CUDA device ids"),
    ({"evaluate": {"conf": 2}}, "evaluate.conf: input should be less than 1, got 2"),
    ({"prepare": {"classes": {"base": ["ring", " cross"]}}}, "prepare.classes.base: class name ' cross'"),
    ({"prepare": {"classes": {"base": ["ring", "ring"]}}}, "prepare.classes.base: class names repeat"),
    ({"prepare": {"classes": {"new": ["ring"]}}}, "prepare.classes: classes ['ring'] are both base and new"),
    ({"prepare": {"builtin": {"object_scale": [0.5, 0.1]}}}, "prepare.builtin.object_scale: must be [min, max]"),
    ({"prepare": {"builtin": {"images": {"test": -1}}}}, "prepare.builtin.images.test: input should be greater"),
    ({"prepare": {"builtin": {"images": {"tests": 5}}}}, "prepare.builtin.images.tests: unknown key (did you mean"),
    ({"audit": {"folds": 1}}, "audit.folds: input should be greater than or equal to 2, got 1"),
    ({"mine": {"audit_share": 1.5}}, "mine.audit_share: input should be less than or equal to 1, got 1.5"),
]


@pytest.mark.parametrize(("override", "expected"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_each_bad_value_has_its_own_message(tmp_path, override, expected):
    lines = _errors(tmp_path, override)
    assert len(lines) == 1, lines
    assert expected in lines[0]
    assert lines[0].startswith(f"{tmp_path / 'params.yaml'}:")


def test_message_names_the_line_of_the_key(tmp_path):
    path = write_params(tmp_path / "params.yaml", {"train": {"epochs": "ten"}})
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "epochs: ten" in text)
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    assert caught.value.lines[0].startswith(f"{path}:{line}: train.epochs:")


def test_missing_section_is_named(tmp_path):
    params = yaml.safe_load(PROJECT_PARAMS.read_text())
    del params["train"]
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    assert caught.value.lines == [f"{path}: train: required key is missing"]


def test_every_problem_is_reported(tmp_path):
    lines = _errors(tmp_path, {"train": {"epochs": 0, "batch": 0}, "evaluate": {"iou": 5}})
    assert len(lines) == 3
    assert {line.split(": ")[1] for line in lines} == {"train.epochs", "train.batch", "evaluate.iou"}


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  epochs: [1\n")
    with pytest.raises(ParamsError, match=r"params.yaml:3: not valid YAML"):
        load_params(path)


def test_missing_file_and_wrong_top_level(tmp_path):
    with pytest.raises(ParamsError, match="cannot read params file"):
        load_params(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ParamsError, match="expected a mapping of sections"):
        load_params(tmp_path / "list.yaml")


def test_device_accepts_ids_and_normalises(tmp_path):
    path = write_params(tmp_path / "params.yaml", {"project": {"device": 0}})
    assert load_params(path).project.device == "0"


def test_a_named_optimizer_takes_lr0_and_auto_passes_none(tmp_path):
    from tasks.train import ultralytics_args

    named = load_params(write_params(tmp_path / "named.yaml", {"train": {"optimizer": "SGD", "lr0": 0.02}}))
    assert ultralytics_args(named.train, "cpu", 0)["lr0"] == 0.02
    auto = load_params(write_params(tmp_path / "auto.yaml", {}))
    assert "lr0" not in ultralytics_args(auto.train, "cpu", 0)  # Ultralytics' auto picks it
    assert ultralytics_args(auto.train, "cpu", 0)["fliplr"] == 0.5  # the augmentation keys pass through
