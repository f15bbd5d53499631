"""FiftyOne's index over the files: a persistent dataset rebuilt from files at any time (samples,
predictions, scores, round tags, the label audit's fields, evaluation and saved views), and the App
over it (`yoloop app`). FiftyOne's connection itself is process set-up (tasks/core/fiftyone_setup.py):
the audit's mistakenness needs it too, and the index reads the audit.

Imports core/, audit/ (its report, read into the index) and labelling/ (the round manifests, as tags).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "app": ["open_index", "rebuild_project_index", "serve_app"],
        "build": ["analyse", "build_index", "ingest", "rebuild_index", "sample_records", "uniqueness"],
    },
)
