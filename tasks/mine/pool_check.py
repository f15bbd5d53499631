"""Nothing to mine is an error: an empty pool would hand out an empty relabel batch with exit 0.

Checked before the model loads or anything is written, so a run that cannot mine leaves the
last batch and reports as they were. The message names the params key that fills the pool:
`prepare.pool` (or `prepare.oracle`) for imported data, `prepare.builtin.images.pool` for
the built-in source. A batch that `mine.audit_share` gives wholly to the label audit needs no pool.
"""

from __future__ import annotations

from tasks.core import InputError, MineParams, PrepareParams
from tasks.mine.audit_share import audit_places

IMPORT_PHOTOS = "`yoloop import DIR --name NAME --unlabelled`"


def how_to_fill(prepare: PrepareParams) -> str:
    """The params key that fills data/pool, and how; then `dvc repro` rebuilds it."""
    if prepare.source == "builtin":
        return f"prepare.builtin.images.pool is {prepare.builtin.images.pool}: raise it, then `dvc repro`"
    named = f"prepare.pool is {prepare.pool}" if prepare.pool else "prepare.pool names no unlabelled import"
    return (
        f"{named}: import photos with {IMPORT_PHOTOS} and set `prepare: {{pool: [NAME]}}` in params.yaml "
        "(or prepare.oracle, to withhold the labels of a labelled split), then `dvc repro`"
    )


def require_pool(keys: list[str], earlier: set[str], pool_dir: str, prepare: PrepareParams, mine: MineParams) -> None:
    """Stop (exit 2) when the pool holds no image, or none that no earlier round handed out or labelled."""
    if audit_places(mine.k, mine.audit_share) == mine.k:
        return
    if not keys:
        raise InputError(f"{pool_dir}: no image for mine to score; {how_to_fill(prepare)}")
    if not set(keys) - earlier:
        raise InputError(
            f"{pool_dir}: all {len(keys)} images were handed out in earlier rounds or labelled, none is left "
            f"to mine; {how_to_fill(prepare)}"
        )
