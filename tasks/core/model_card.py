"""The model card: what a training stage says about the model it published in models/<stage>.

`card.json` beside `weights.pt` holds the class names, how the model was made (start,
data, lineage) and where it was registered (the registered model's name and version).
Every reader goes through `read_model_card`, so a missing card is named the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tasks.core.errors import InputError

WEIGHTS_FILE = "weights.pt"
MODEL_CARD = "card.json"


def read_model_card(stage_dir: Path, required: bool = True) -> dict[str, Any]:
    """The card of models/<stage>; when it is missing, an InputError naming the stage to run (or {})."""
    path = stage_dir / MODEL_CARD
    if path.exists():
        return json.loads(path.read_text())
    if not required:
        return {}
    stage = stage_dir.name
    raise InputError(f"{path}: missing; run the {stage} stage first (dvc repro {stage})")
