"""The blog's three sets merged as its experiment needs them (issue 15): one copy per photo, the fuller boxes, the leak.

3plysaci holds every photo of 2plysaci and prasatko, and labels the donkey beside the pig in six
of them; prasatko's one labelled test image, loose in its test/, is byte-identical to a picture
3plysaci trains on.
"""

from __future__ import annotations

import pytest

from tasks.core import DatasetRef, ImportParams, InputError, ResplitParams
from tasks.data import import_dataset
from tasks.prepare.merge import left_out_table, merge_datasets
from tasks.studies.economics import data_lines
from tests.real_data import copy_real

NAMES = ["oslik", "ovecka", "prasatko"]
REFS = [DatasetRef(name=name) for name in ("2plysaci", "prasatko", "3plysaci")]
LENIENT, STRICT = ImportParams(policy="lenient"), ImportParams(policy="strict")
NO_TEST = ImportParams(optional_splits=["test"])  # 2plysaci and 3plysaci name a test split they do not have
RESPLIT = ResplitParams(val=0.15, test=0.15)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    root = tmp_path_factory.mktemp("blog")
    plysaci = copy_real("plysaci", root)
    for ref in REFS:
        import_dataset(plysaci / f"{ref.name}.yaml", ref.name, params=NO_TEST, raw=root / "raw", use_dvc=False)
    return root / "raw"


def test_each_photo_once_with_the_boxes_of_the_set_that_labels_every_toy(raw):
    merged, _ = merge_datasets(raw, REFS, NAMES, RESPLIT, 7, STRICT)  # strict: once re-split, no leak is left
    assert len(merged) == 37
    with_pig = [image for image in merged if 2 in {box.cls for box in image.labels}]
    with_donkey = [image for image in with_pig if 0 in {box.cls for box in image.labels}]
    assert len(with_pig) == 11 and len(with_donkey) == 6
    assert {image.dataset for image in with_donkey} == {"3plysaci"}
    [leak] = [row for row in left_out_table(merged, True) if row["kind"] == "leak"]
    assert leak["image"].startswith("prasatko/images/test/20230622_082741") and leak["split"] == "test"
    assert leak["kept"].startswith("3plysaci/images/train/20230622_082741")
    assert leak["kept_split"] == next(image.split for image in merged if image.where == leak["kept"])
    assert leak["reason"].endswith(f"kept once, in {leak['kept_split']} (prepare.resplit)")


def test_kept_to_their_own_splits_the_leak_stops_prepare_and_names_the_resplit(raw):
    with pytest.raises(InputError) as stopped:  # the one test picture leaks: 100% of test, either policy
        merge_datasets(raw, REFS, NAMES, None, 7, LENIENT)
    assert stopped.value.lines[0].startswith("prepare: test: 1 of its 1 pictures (100%) leak")
    assert "set prepare.resplit" in stopped.value.lines[-1]
    lenient = LENIENT.model_copy(update={"max_leak_share": 1.0})  # past the stop: the leak is left out
    merged, findings = merge_datasets(raw, REFS, NAMES, None, 7, lenient)
    [error] = [finding for finding in findings if finding.severity == "error"]
    assert error.path.startswith("prasatko/images/test/20230622_082741")
    assert error.reason.endswith("leaks into test; left out of test")
    assert not [image for image in merged if image.split == "test"]  # why the blog's experiment re-splits
    with pytest.raises(InputError):
        merge_datasets(raw, REFS, NAMES, None, 7, STRICT.model_copy(update={"max_leak_share": 1.0}))


def test_the_economics_report_names_the_copies_left_out(raw):
    merged, _ = merge_datasets(raw, REFS, NAMES, RESPLIT, 7, LENIENT)
    rows = left_out_table(merged, True)
    text = "\n".join(data_lines({"images": {"test": 10}, "test_boxes": {"oslik": 9}, "left_out": rows}))
    assert f"prepare left {len(rows)} copies out" in text and len(rows) == 37
    assert "- leak: `prasatko/images/test/20230622_082741" in text
    assert sum(line.startswith("- duplicate: `prasatko/") for line in text.splitlines()) == 5  # boxes differ
    assert "- 31 duplicates: the same picture with the same boxes in two sets, kept once" in text
