"""mine's empty-pool check: no image, or none left after earlier rounds, stops with the key that fills the pool."""

from __future__ import annotations

import pytest
import yaml

from tasks.core import InputError, MineParams, PrepareParams
from tasks.mine import require_pool
from testkit.profiles import PROJECT_PARAMS

PARAMS = yaml.safe_load(PROJECT_PARAMS.read_text())
BUILTIN = PrepareParams(
    **{
        **PARAMS["prepare"],
        "builtin": {**PARAMS["prepare"]["builtin"], "images": {**PARAMS["prepare"]["builtin"]["images"], "pool": 0}},
    }
)
DATASETS = PrepareParams(**{**PARAMS["prepare"], "source": "datasets", "datasets": [{"name": "cards"}]})
MINE = MineParams(**{**PARAMS["mine"], "k": 4})
POOL = "data/pool/images"


def test_no_image_names_the_pool_key_of_the_source():
    with pytest.raises(InputError, match=r"data/pool/images: no image for mine to score; prepare.pool names no unl"):
        require_pool([], set(), POOL, DATASETS, MINE)
    with pytest.raises(InputError, match=r"no image for mine to score; prepare.builtin.images.pool is 0: raise it"):
        require_pool([], set(), POOL, BUILTIN, MINE)


def test_a_pool_that_earlier_rounds_used_up_is_empty_too():
    keys = [f"{POOL}/a.jpg", f"{POOL}/b.jpg"]
    with pytest.raises(InputError, match=r"all 2 images were handed out in earlier rounds or labelled"):
        require_pool(keys, set(keys), POOL, DATASETS, MINE)
    require_pool(keys, {keys[0]}, POOL, DATASETS, MINE)  # one left: mine goes on


def test_a_batch_all_from_the_label_audit_needs_no_pool():
    require_pool([], set(), POOL, DATASETS, MINE.model_copy(update={"audit_share": 1.0}))
    with pytest.raises(InputError):
        require_pool([], set(), POOL, DATASETS, MINE.model_copy(update={"audit_share": 0.5}))
