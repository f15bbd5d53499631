"""Labelling tools a relabel batch goes out to and comes back from: the batch's files for CVAT and
Label Studio and the round manifests, Label Studio (its server in a venv of its own, push, pull), and the
labels taken back (`yoloop labels import`).

Imports core/ and data/ (the label gate). The mine stage writes the batch with these formats; the
commands run between `mine` and the next `prepare`.
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "batch_files": [
            "CVAT_FILE",
            "LABEL_STUDIO_CONFIG",
            "LABEL_STUDIO_TASKS",
            "cvat_xml",
            "label_studio_config",
            "label_studio_task",
            "round_manifests",
        ],
        "labels_import": ["import_labels", "returned_label_files"],
        "labelstudio": ["LabelStudio", "LabelStudioError", "pull_batch", "push_batch"],
        "labelstudio_server": [
            "RunningLabelStudio",
            "labelstudio_home",
            "running_server",
            "serve_label_studio",
            "start_label_studio",
        ],
    },
)
