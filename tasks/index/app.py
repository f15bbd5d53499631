"""The FiftyOne App over the index, on 127.0.0.1: `yoloop app`.

It opens the persistent dataset `mine.fiftyone_dataset` (rebuilding it from reports/mine and the
label round manifests when the database lacks it, or when asked) with its saved views:
false_positives, missed_objects, low_confidence, possible_label_mistakes, hardest_pool,
relabel-round-N, labelled-round-N.
"""

from __future__ import annotations

from pathlib import Path

from tasks.core import HOST, Layout, Params, load_fiftyone, read_card, wait_while_running
from tasks.index.build import rebuild_index


def rebuild_project_index(params: Params, root: Path):
    """The project's FiftyOne dataset, from files only: same samples, tags, scores and views every time."""
    layout = Layout(root)
    index, _ = rebuild_index(
        params.mine.fiftyone_dataset, params.mine.low_confidence, read_card(layout.prepared), layout
    )
    return index


def open_index(params: Params, root: Path, rebuild: bool):
    fo = load_fiftyone()
    name = params.mine.fiftyone_dataset
    if rebuild or not fo.dataset_exists(name):
        return rebuild_project_index(params, root)
    return fo.load_dataset(name)


def serve_app(params: Params, root: Path, port: int, rebuild: bool) -> int:
    """Serve the App on HOST:`port` until Ctrl-C (or SIGTERM, turned into one by the caller)."""
    fo = load_fiftyone()
    index = open_index(params, root, rebuild)
    session = fo.launch_app(index, port=port, address=HOST, remote=True, auto=False)
    print(f"FiftyOne App: http://{HOST}:{port}/datasets/{index.name}  views: {', '.join(index.list_saved_views())}")
    try:
        return wait_while_running([], "the FiftyOne App stopped")
    finally:
        session.close()
