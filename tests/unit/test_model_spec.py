"""Start models (tasks/train/model_spec.py): each kind of `train.model` / `transfer.from` parsed, checked and
resolved on files in a temporary folder; nothing is downloaded (the download itself is replaced where a test
needs one, and must not be called where downloads are forbidden)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.core import InputError
from tasks.train import ModelPlaces, ZooCard, check_model_spec, parse_model_spec, resolve_model_spec


def places(tmp_path: Path, downloads: str = "never") -> ModelPlaces:
    return ModelPlaces(tmp_path / "project", tmp_path / "weights", tmp_path / "zoo", downloads)


def checkpoint(path: Path) -> Path:
    """A file `require_weights` takes for a YOLO checkpoint (a dict with a model inside)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": torch.nn.Linear(1, 1)}, path)
    return path


@pytest.fixture
def no_download(monkeypatch):
    """Fails the test if anything tries to download."""
    from ultralytics.utils import downloads

    def refuse(*args, **kwargs):
        raise AssertionError(f"a download was attempted: {args} {kwargs}")

    monkeypatch.setattr(downloads, "safe_download", refuse)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("yolov8n.yaml", "yaml"),
        ("cfg/mine.yml", "yaml"),
        ("yolo11n.pt", "ultralytics"),
        ("yolov8s.pt", "ultralytics"),
        ("weights/yolo11n.pt", "file"),  # a path is a file of the project's, whatever its name
        ("best.pt", "file"),  # not a name Ultralytics publishes
        ("models:/det@champion", "registered"),
        ("models:/det/3", "registered"),
        ("zoo:coco-n", "zoo"),
        ("train", "stage"),
    ],
)
def test_each_kind_of_spec_is_told_apart(text, kind):
    spec = parse_model_spec(text, "train.model")
    assert (spec.kind, spec.key, spec.text) == (kind, "train.model", text)


def test_a_missing_local_file_is_named_with_its_key(tmp_path):
    with pytest.raises(InputError) as caught:
        check_model_spec(parse_model_spec("w/best.pt", "train.model"), places(tmp_path))
    assert caught.value.lines == [
        f"params.yaml: train.model: w/best.pt: no such weights file (looked for {tmp_path}/project/w/best.pt); "
        "put the .pt there, or a model yaml (such as yolov8n.yaml) trains from scratch"
    ]


def test_an_ultralytics_name_with_downloads_forbidden_says_where_to_put_it(tmp_path, no_download):
    spec = parse_model_spec("yolo11n.pt", "transfer.from")
    for call in (
        lambda: check_model_spec(spec, places(tmp_path)),
        lambda: resolve_model_spec(spec, places(tmp_path), tmp_path),
    ):
        with pytest.raises(InputError) as caught:
            call()
        (line,) = caught.value.lines
        assert line.startswith("params.yaml: transfer.from: yolo11n.pt: not on this machine")
        assert f"put yolo11n.pt at {tmp_path}/weights/yolo11n.pt" in line and "project.downloads is never" in line
    assert not (tmp_path / "weights").exists(), "nothing fetched"


def test_an_ultralytics_name_present_is_found_where_ultralytics_looks(tmp_path, no_download):
    checkpoint(tmp_path / "weights" / "yolov8s.pt")
    spec = parse_model_spec("yolov8s.pt", "train.model")
    assert (
        check_model_spec(spec, places(tmp_path)) == f"train.model: yolov8s.pt: found at {tmp_path}/weights/yolov8s.pt"
    )
    assert resolve_model_spec(spec, places(tmp_path), tmp_path).model == str(tmp_path / "weights" / "yolov8s.pt")


def test_an_allowed_download_says_from_where_and_fetches_only_when_resolved(tmp_path, monkeypatch):
    from ultralytics.utils import downloads

    fetched = []

    def fake_download(url, file, **kwargs):
        fetched.append(url)
        checkpoint(Path(file))

    monkeypatch.setattr(downloads, "safe_download", fake_download)
    spec, allowed = parse_model_spec("yolo11n.pt", "train.model"), places(tmp_path, "named")
    line = check_model_spec(spec, allowed)
    assert "downloads it once from https://github.com/ultralytics/assets/releases/download/" in line
    assert "project.downloads: named; never forbids downloads" in line and fetched == []
    resolved = resolve_model_spec(spec, allowed, tmp_path)
    assert resolved.model == str(tmp_path / "weights" / "yolo11n.pt") and len(fetched) == 1
    assert fetched[0].endswith("/yolo11n.pt")


def test_a_zoo_entry_needs_its_weights_and_its_card(tmp_path):
    spec = parse_model_spec("zoo:parts-n", "transfer.from")
    with pytest.raises(
        InputError, match=f"no zoo entry {tmp_path}/zoo/parts-n.pt; put the weights there with their card parts-n.json"
    ):
        check_model_spec(spec, places(tmp_path))
    checkpoint(tmp_path / "zoo" / "parts-n.pt")
    with pytest.raises(InputError, match=f"{tmp_path}/zoo/parts-n.json: missing; a zoo entry's card"):
        check_model_spec(spec, places(tmp_path))
    (tmp_path / "zoo" / "parts-n.json").write_text(json.dumps({"names": ["bolt", "nut"], "licence": "MIT"}))
    with pytest.raises(InputError, match=r"parts-n.json: licence: unknown field"):
        check_model_spec(spec, places(tmp_path))
    (tmp_path / "zoo" / "parts-n.json").write_text(ZooCard(names=["bolt", "nut"], license="MIT").model_dump_json())
    assert check_model_spec(spec, places(tmp_path)).endswith("parts-n.pt (card parts-n.json, 2 classes)")
    assert resolve_model_spec(spec, places(tmp_path), tmp_path).model == str(tmp_path / "zoo" / "parts-n.pt")


def test_a_stage_not_run_yet_is_fine_to_check_but_stops_the_stage_that_needs_it(tmp_path):
    spec = parse_model_spec("train", "transfer.from")
    assert "is written by stage train" in check_model_spec(spec, places(tmp_path))
    with pytest.raises(InputError, match=r"models/train/weights.pt: missing; run `dvc repro train` first"):
        resolve_model_spec(spec, places(tmp_path), tmp_path)


def test_a_model_yaml_is_scratch_and_a_yaml_nobody_ships_is_named(tmp_path):
    spec = parse_model_spec("yolo11n.yaml", "train.model")
    assert check_model_spec(spec, places(tmp_path)).endswith(
        "a model yaml that Ultralytics ships, trained from scratch"
    )
    assert (
        resolve_model_spec(spec, places(tmp_path), tmp_path).model == "yolo11n.yaml"
    )  # as before: Ultralytics builds it
    with pytest.raises(InputError, match="train.model: yolo99z.yaml: no such model yaml"):
        check_model_spec(parse_model_spec("yolo99z.yaml", "train.model"), places(tmp_path))


def test_a_local_file_that_is_no_model_is_named(tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "notes.pt").write_text("not a model\n")
    spec = parse_model_spec("notes.pt", "train.model")
    assert check_model_spec(spec, places(tmp_path)).startswith("train.model: notes.pt: found at")
    with pytest.raises(InputError, match="notes.pt: not a readable weights file"):
        resolve_model_spec(spec, places(tmp_path), tmp_path)


def test_a_model_that_is_not_there_is_bad_input_that_prefect_does_not_retry(tmp_path):
    from types import SimpleNamespace

    from flows.steps import retry_unless_bad_input

    with pytest.raises(InputError) as caught:
        resolve_model_spec(parse_model_spec("zoo:absent", "train.model"), places(tmp_path), tmp_path)
    assert retry_unless_bad_input(None, None, SimpleNamespace(data=caught.value)) is False
    assert retry_unless_bad_input(None, None, SimpleNamespace(data=RuntimeError("a lost device"))) is True
