"""The model card: what a training stage says about the model it published in models/<stage>.

`card.json` beside `weights.pt` holds the class names, how the model was made (start,
data, lineage) and where it was registered (the registered model's name and version).
Every reader goes through `read_model_card`, so a missing card is named the same way, and every
stage that starts from weights checks them with `require_weights` first: a torn copy or a file that
is not a model is named as such (exit 2), not as a traceback from deep inside torch.
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


def require_weights(path: Path) -> Path:
    """`path` when it holds a YOLO checkpoint (a model inside); an InputError naming it otherwise."""
    import torch

    fix = "rerun the stage that made it, or restore it (`dvc checkout`)"
    if not path.is_file():
        raise InputError(f"{path}: no such weights file; {fix}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torn zip, text, empty file: torch says it in many ways
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable weights file ({reason}); {fix}") from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("model") is None:
        raise InputError(f"{path}: holds no model (not a YOLO checkpoint); {fix}")
    return path
