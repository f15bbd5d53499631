"""Merging plysaci's 2plysaci and prasatko into the three classes of 3plysaci, against the published 3plysaci."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tasks.core import DatasetRef, ImportParams, InputError, ResplitParams
from tasks.data import import_dataset
from tasks.prepare.merge import load_raw, merge_datasets
from tests.real_data import copy_real

NAMES = ["oslik", "ovecka", "prasatko"]
LENIENT = ImportParams(policy="lenient")
ALL_LEAKS = LENIENT.model_copy(update={"max_leak_share": 1.0})  # never stop on the share: what each policy does
OFF = LENIENT.model_copy(update={"near_duplicates": False})
NO_TEST = ImportParams(optional_splits=["test"])  # 2plysaci and 3plysaci name a test split they do not have


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("merge")
    plysaci = copy_real("plysaci", root)
    for name in ("2plysaci", "prasatko", "3plysaci"):
        import_dataset(plysaci / f"{name}.yaml", name, params=NO_TEST, raw=root / "raw", use_dvc=False)
    return root / "raw"


def _boxes(image) -> list:
    return sorted((b.cls, round(b.x, 3), round(b.y, 3), round(b.w, 3), round(b.h, 3)) for b in image.labels)


def test_merge_equals_the_published_three_class_set(raw):
    refs = [DatasetRef(name="2plysaci"), DatasetRef(name="prasatko")]
    merged, findings = merge_datasets(raw, refs, NAMES, None, 7, LENIENT)
    published = {i.sha256: i for i in load_raw(raw, DatasetRef(name="3plysaci"), NAMES)[0]}
    assert [f.reason.split(":")[0] for f in findings] == ["labels only ['oslik', 'ovecka']", "labels only ['prasatko']"]
    # prasatko's one labelled test image, loose in test/, is a picture 3plysaci trains on: the leak of issue 15
    [loose] = [i for i in merged if i.split == "test"]
    assert loose.dataset == "prasatko" and Path(loose.rel).name.startswith("20230622_082741")
    assert published[loose.sha256].split == "train"
    assert all(published[i.sha256].split == i.split for i in merged if i is not loose)  # same pictures, same splits
    differ = sorted(Path(i.rel).name[:15] for i in merged if _boxes(i) != _boxes(published[i.sha256]))
    # 3plysaci labels the donkey standing beside the pig in six photos that prasatko labels pig-only
    assert differ == [
        "20230622_082734",
        "20230622_082741",
        "20230622_082747",
        "20230622_082751",
        "20230622_082929",
        "20230622_082936",
    ]
    for image in merged:
        theirs = _boxes(published[image.sha256])
        if Path(image.rel).name[:15] in differ:
            assert [b for b in theirs if b[0] == 2] == _boxes(image) and [b[0] for b in theirs].count(0) == 1
        else:
            assert theirs == _boxes(image)  # prasatko's id 0 is id 2 here, 2plysaci's ids are unchanged
    assert len(merged) == len(published) == 37


def test_merging_a_set_with_its_superset_dedupes(raw):
    merged, findings = merge_datasets(
        raw, [DatasetRef(name="3plysaci"), DatasetRef(name="2plysaci")], NAMES, None, 7, LENIENT
    )
    assert len(merged) == 37
    dupes = [f for f in findings if "kept once" in f.reason]
    assert len(dupes) == 26 and all(f.severity == "warning" and f.path.startswith("2plysaci/") for f in dupes)


def test_leak_between_splits_is_an_error_in_strict(raw):
    refs = [DatasetRef(name="3plysaci"), DatasetRef(name="2plysaci", splits={"train": "test"})]
    with pytest.raises(InputError) as stopped:  # all of test leaks: past imports.max_leak_share, either policy
        merge_datasets(raw, refs, NAMES, None, 7, LENIENT)
    assert stopped.value.lines[0].startswith("prepare: test: 23 of its 23 pictures (100%) leak")
    merged, findings = merge_datasets(raw, refs, NAMES, None, 7, ALL_LEAKS)
    leaks = [f for f in findings if f.severity == "error"]
    assert len(leaks) == 23 and all("leaks into test" in f.reason for f in leaks)
    assert not any(i.split == "test" for i in merged)  # the train copies stay, the test copies go
    with pytest.raises(InputError) as raised:
        merge_datasets(raw, refs, NAMES, None, 7, ALL_LEAKS.model_copy(update={"policy": "strict"}))
    assert len(raised.value.lines) == 23


def test_resplit_is_deterministic_and_leak_free(raw):
    refs = [DatasetRef(name="2plysaci"), DatasetRef(name="prasatko")]
    fractions = ResplitParams(val=0.2, test=0.2)
    first, _ = merge_datasets(raw, refs, NAMES, fractions, 7, LENIENT)
    second, _ = merge_datasets(raw, list(reversed(refs)), NAMES, fractions, 7, LENIENT)
    assert {i.sha256: i.split for i in first} == {i.sha256: i.split for i in second}
    assert {i.split for i in first} == {"train", "val", "test"}
    found = merge_datasets(raw, refs, NAMES, fractions, 7, LENIENT)[1]
    assert not [f for f in found if f.severity != "note" and "near-identical" in f.reason]


def test_near_duplicates_across_splits_are_found(raw, tmp_path):
    """prasatko's two val photos, shrunk and re-saved: not the same bytes, the same picture."""
    source = tmp_path / "resaved"
    for image in sorted((raw / "prasatko/images/val").glob("*.jpg")):
        (source / "images/test").mkdir(parents=True, exist_ok=True)
        Image.open(image).resize((682, 384)).save(source / "images/test" / image.name, quality=70)
        (source / "labels/test").mkdir(parents=True, exist_ok=True)
        shutil.copy(raw / "prasatko/labels/val" / f"{image.stem}.txt", source / "labels/test")
    (source / "data.yaml").write_text("test: images/test\nnames: [prasatko]\n")
    import_dataset(source / "data.yaml", "resaved", params=LENIENT, raw=raw, use_dvc=False)
    refs = [DatasetRef(name="prasatko"), DatasetRef(name="resaved")]
    with pytest.raises(InputError) as stopped:  # 2 of the 3 test pictures leak: the defaults stop
        merge_datasets(raw, refs, NAMES, None, 7, LENIENT)
    assert stopped.value.lines[0].startswith("prepare: test: 2 of its 3 pictures (67%) leak")
    kept, findings = merge_datasets(raw, refs, NAMES, None, 7, ALL_LEAKS)
    leaks = [f for f in findings if "near-identical" in f.reason]
    assert sorted(f.path.split("/")[-1][:15] for f in leaks) == ["20230622_082734", "20230622_082831"]
    assert not [i for i in kept if i.split == "test" and i.dataset == "resaved"]  # prasatko's own test image stays
    assert not [f for f in merge_datasets(raw, refs, NAMES, None, 7, OFF)[1] if "near-identical" in f.reason]
    with pytest.raises(InputError):
        merge_datasets(raw, refs, NAMES, None, 7, ALL_LEAKS.model_copy(update={"policy": "strict"}))
