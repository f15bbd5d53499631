"""params for imported datasets: `imports` and `prepare.source: datasets`, each mistake named by key."""

from __future__ import annotations

import pytest

from tasks.core import load_params
from tasks.core.params import ParamsError
from testkit.profiles import write_params

CASES = [
    (
        {"prepare": {"source": "datasets"}},
        "prepare.datasets: source is datasets: name at least one imported dataset here, got []",
    ),
    ({"prepare": {"source": "folder"}}, "prepare.source: input should be 'builtin' or 'datasets'"),
    ({"prepare": {"datasets": [{"name": "a b"}]}}, "prepare.datasets[0].name: string should match pattern"),
    ({"prepare": {"datasets": [{"name": "a", "splits": {"valid": "val"}}]}}, "prepare.datasets[0].splits.valid"),
    ({"prepare": {"resplit": {"val": 0.5, "test": 0.5}}}, "prepare.resplit: val + test must leave room for train"),
    ({"imports": {"policy": "loose"}}, "imports.policy: input should be 'strict' or 'lenient'"),
    ({"imports": {"imbalance_ratio": 1}}, "imports.imbalance_ratio: input should be greater than 1"),
]


@pytest.mark.parametrize(("override", "expected"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_each_bad_import_param_has_its_own_message(tmp_path, override, expected):
    with pytest.raises(ParamsError) as caught:
        load_params(write_params(tmp_path / "params.yaml", override))
    assert len(caught.value.lines) == 1, caught.value.lines
    assert expected in caught.value.lines[0]


def test_datasets_source_is_accepted(tmp_path):
    override = {"prepare": {"source": "datasets", "datasets": [{"name": "toys"}, {"name": "pig"}]}}
    params = load_params(write_params(tmp_path / "params.yaml", override))
    assert [d.name for d in params.prepare.datasets] == ["toys", "pig"]
    assert params.prepare.datasets[0].splits == {"train": "train", "val": "val", "test": "test"}
    assert params.imports.policy == "lenient" and params.prepare.resplit is None
