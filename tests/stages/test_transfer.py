"""Transfer with the real Ultralytics trainer on tiny data: what each strategy freezes, and the widened head."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tasks.core import PreparedDataset, load_params, write_card
from tasks.prepare import generate_builtin
from tasks.train import stage_transfer_set, train_detector, write_start_checkpoint
from tasks.train.transfer import frozen_layers, keep_frozen_bn, layer_count
from tasks.train.widen_head import carried_classes, widen_head
from testkit.profiles import TINY, write_params

OLD, NEW = ["ring", "cross"], ["ring", "cross", "star"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> PreparedDataset:
    """The tiny built-in dataset, written straight by the generator (no flow, no services)."""
    root = tmp_path_factory.mktemp("prepared")
    params = load_params(write_params(root / "params.yaml", TINY)).prepare
    generate_builtin(params.builtin, params.classes, params.seed, root / "prepared", root / "pool", root / "oracle")
    prepared = PreparedDataset(root / "prepared", params.classes.base, params.classes.new)
    write_card(prepared, {})
    return prepared


@pytest.fixture(scope="module")
def base_weights(tmp_path_factory) -> Path:
    """An untrained two-class model whose weights and BN statistics are not at their initial values."""
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel("yolov8n.yaml", nc=len(OLD), verbose=False)
    model.names = dict(enumerate(OLD))
    for name, tensor in model.state_dict().items():
        if tensor.dtype.is_floating_point:
            tensor.add_(
                0.05 * torch.randn_like(tensor).abs() if "running_var" in name else 0.05 * torch.randn_like(tensor)
            )
    path = tmp_path_factory.mktemp("base") / "base.pt"
    torch.save({"model": model, "train_args": {}}, path)
    return path


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _train_with(
    strategy: str, dataset: PreparedDataset, base_weights: Path, work: Path
) -> tuple[list[int], dict, dict]:
    """One real epoch of transfer with `strategy`; the state before the first and after the last step."""
    start, _ = write_start_checkpoint(base_weights, NEW, work / "start.pt")
    frozen = frozen_layers(strategy, 4, layer_count(start))
    data_yaml = stage_transfer_set(dataset, "all", 0.25, 0, work / "data")
    seen: dict[str, dict] = {}
    callbacks = {
        "on_train_start": [lambda trainer: seen.setdefault("before", _snapshot(trainer.model))],
        "on_train_epoch_end": [lambda trainer: seen.__setitem__("after", _snapshot(trainer.model))],
        "on_train_batch_start": [keep_frozen_bn(frozen)],
    }
    # nbs = batch: an optimizer step after every batch, so the 3 batches of the tiny set make 3 real steps
    args = {"epochs": 1, "imgsz": 64, "batch": 8, "nbs": 8, "workers": 0, "device": "cpu", "seed": 0, "plots": False}
    train_detector(str(start), data_yaml, {**args, "freeze": frozen or None}, work / "run", callbacks)
    return frozen, seen["before"], seen["after"], start


def _layer(key: str) -> int:
    return int(key.split(".")[1])


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["full", "freeze_backbone", "head_only"])
def test_strategy_freezes_exactly_its_layers(strategy, dataset, base_weights, tmp_path):
    from ultralytics.nn.tasks import load_checkpoint

    frozen, before, after, start = _train_with(strategy, dataset, base_weights, tmp_path)
    widened = load_checkpoint(start)[0].state_dict()
    assert all(torch.equal(before[k], widened[k]) for k in widened), "the trainer must start from the widened model"
    expected = {"full": [], "freeze_backbone": [0, 1, 2, 3], "head_only": list(range(22))}[strategy]
    assert frozen == expected
    for key, value in before.items():
        unchanged = torch.equal(value, after[key])
        if _layer(key) in frozen:
            assert unchanged, f"{strategy}: frozen tensor {key} changed (weights or BatchNorm statistics)"
        elif key.endswith(("running_mean", "running_var")):
            assert not unchanged, f"{strategy}: BatchNorm statistics {key} of a trained layer did not move"
    trained = {_layer(k) for k, v in before.items() if not torch.equal(v, after[k]) and k.endswith(".weight")}
    with_weights = {_layer(k) for k in before if k.endswith(".weight") and ".dfl." not in k}
    assert trained == with_weights - set(frozen), f"{strategy}: layers trained: {sorted(trained)}"


def test_widened_head_predicts_the_old_classes_as_before(base_weights, tmp_path):
    """Before any training step, boxes and old-class scores of the widened model equal the old model's."""
    from ultralytics.nn.tasks import load_checkpoint

    old = load_checkpoint(base_weights)[0].eval()
    names = ["star", "cross", "ring"]  # new order too: rows must follow the class names, not the positions
    start, carried = write_start_checkpoint(base_weights, names, tmp_path / "start.pt")
    new = load_checkpoint(start)[0].eval()
    assert carried == OLD and list(new.names.values()) == names
    images = torch.rand(4, 3, 96, 96, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        before, after = old(images)[0], new(images)[0]  # (batch, 4 box + classes, anchors)
    assert after.shape[1] == 4 + len(names)
    torch.testing.assert_close(after[:, :4], before[:, :4], rtol=0, atol=1e-5)
    for name in OLD:
        i, j = OLD.index(name), names.index(name)
        torch.testing.assert_close(after[:, 4 + j], before[:, 4 + i], rtol=0, atol=1e-6)
    assert not torch.allclose(after[:, 4 + names.index("star")], before[:, 4]), "the new class is not a copy"


def test_a_lost_row_is_caught(base_weights):
    from ultralytics.nn.tasks import load_checkpoint

    old = load_checkpoint(base_weights)[0]
    new = widen_head(old, NEW)
    assert carried_classes(old, new) == OLD
    with torch.no_grad():
        new.model[-1].cv3[1][-1].weight[1] += 0.01  # 'cross' in the middle scale
    with pytest.raises(RuntimeError, match="class 'cross'"):
        carried_classes(old, new)


@pytest.mark.parametrize(
    ("data", "train_images", "val_images"),
    [
        ("new_only", {"new_train": 6}, {"new_val": 3}),
        ("all", {"base_train": 12, "new_train": 6}, {"base_val": 4, "new_val": 3}),
        ("replay", {"new_train": 6, "replay_train": 6}, {"new_val": 3, "base_val": 4}),
    ],
)
def test_transfer_data_modes_stage_the_right_images(dataset, tmp_path, data, train_images, val_images):
    import yaml

    spec = yaml.safe_load(stage_transfer_set(dataset, data, 0.5, 0, tmp_path).read_text())
    assert spec["names"] == dict(enumerate(NEW))
    for split, expected in (("train", train_images), ("val", val_images)):
        folders = {Path(entry).parent.name: len(list((tmp_path / entry).iterdir())) for entry in spec[split]}
        assert folders == expected, split
    if data == "replay":  # replayed base images keep their base labels
        labels = [
            line.split()[0] for f in (tmp_path / "replay_train/labels").iterdir() for line in f.read_text().splitlines()
        ]
        assert labels and set(labels) <= {"0", "1"}
