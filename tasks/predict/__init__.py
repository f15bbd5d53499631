"""Using a model on new photos or video (`yoloop predict`): the model (the registered model's champion, another
registered model or version, or a .pt file), its boxes drawn on every image and video frame, one table of every box
(boxes.csv and boxes.json), and on request a FiftyOne dataset of them of its own.

Imports core/, data/ (which files are videos) and tracking/ (the registry, for the champion's weights).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "fiftyone_dataset": ["add_to_fiftyone", "dataset_name"],
        "predicting": ["PredictSettings", "Predicted", "default_out", "predict_source", "resolve_weights"],
        "sources": ["Media", "find_media"],
    },
)
