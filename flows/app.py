"""The FiftyOne side of mining: rebuild the index from files, and serve the App on 127.0.0.1.

`yoloop app` opens the persistent dataset `mine.fiftyone_dataset` (rebuilding it from
reports/mine and the label round manifests when the database lacks it, or with --rebuild)
with its saved views: false_positives, missed_objects, low_confidence,
possible_label_mistakes, hardest_pool, relabel-round-N, labelled-round-N.
"""

from __future__ import annotations

import time
from pathlib import Path

from tasks.core.paths import Layout
from tasks.core.prepared import read_card
from tasks.core.schema import Params
from tasks.mine.fiftyone_index import rebuild_index as rebuild_from_files
from tasks.ops.fiftyone_setup import load_fiftyone


def rebuild_index(params: Params, root: Path):
    """The FiftyOne dataset, from files only: same samples, tags, scores and views every time."""
    layout = Layout(root)
    index, _ = rebuild_from_files(
        params.mine.fiftyone_dataset, params.mine.low_confidence, read_card(layout.prepared), layout
    )
    return index


def open_index(params: Params, root: Path, rebuild: bool):
    fo = load_fiftyone()
    name = params.mine.fiftyone_dataset
    if rebuild or not fo.dataset_exists(name):
        return rebuild_index(params, root)
    return fo.load_dataset(name)


def serve_app(params: Params, root: Path, port: int, rebuild: bool) -> int:
    """Serve the App on 127.0.0.1:`port` until Ctrl-C or SIGTERM."""
    fo = load_fiftyone()
    index = open_index(params, root, rebuild)
    session = fo.launch_app(index, port=port, address="127.0.0.1", remote=True, auto=False)
    print(f"FiftyOne App: http://127.0.0.1:{port}/datasets/{index.name}  views: {', '.join(index.list_saved_views())}")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        session.close()
