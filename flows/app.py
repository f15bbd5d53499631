"""The FiftyOne side of mining: rebuild the index from files, and serve the App on 127.0.0.1.

`yoloop app` opens the persistent dataset `mine.fiftyone_dataset` (rebuilding it from
reports/mine and the label round manifests when the database lacks it, or with --rebuild)
with its saved views: false_positives, missed_objects, low_confidence,
possible_label_mistakes, hardest_pool, relabel-round-N, labelled-round-N.
"""

from __future__ import annotations

import time

from prefect import flow

from tasks.core.errors import InputError
from tasks.core.paths import LABELS, POOL, PREPARED, RELABEL, REPORTS
from tasks.core.prepared import read_card
from tasks.core.schema import Params
from tasks.mine.fiftyone_index import analyse, build_index
from tasks.mine.fiftyone_setup import load_fiftyone


def rebuild_index(params: Params):
    """The FiftyOne dataset, from files only: same samples, tags, scores and views every time."""
    reports = REPORTS / "mine"
    if not (reports / "scores.json").exists():
        raise InputError(f"{reports / 'scores.json'}: missing; run the mine stage first (dvc repro mine)")
    dataset = read_card(PREPARED)
    index = build_index(params.mine.fiftyone_dataset, dataset, POOL, reports, RELABEL, LABELS, REPORTS / "audit")
    analyse(index, params.mine.low_confidence)
    return index


@flow(name="index")
def index_flow(params: Params) -> dict:
    """Rebuild the FiftyOne index as a Prefect flow (e.g. after the database was lost)."""
    index = rebuild_index(params)
    return {"dataset": index.name, "samples": len(index), "views": index.list_saved_views()}


def open_index(params: Params, rebuild: bool):
    fo = load_fiftyone()

    name = params.mine.fiftyone_dataset
    if rebuild or not fo.dataset_exists(name):
        return rebuild_index(params)
    return fo.load_dataset(name)


def serve_app(params: Params, port: int, rebuild: bool) -> int:
    """Serve the App on 127.0.0.1:`port` until Ctrl-C or SIGTERM."""
    fo = load_fiftyone()

    index = open_index(params, rebuild)
    session = fo.launch_app(index, port=port, address="127.0.0.1", remote=True, auto=False)
    print(f"FiftyOne App: http://127.0.0.1:{port}/datasets/{index.name}  views: {', '.join(index.list_saved_views())}")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        session.close()
