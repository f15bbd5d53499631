"""The weights a training stage publishes in models/<stage>, beside its card (tasks/core/contracts.py).

Every stage that starts from weights checks them with `require_weights` first: a torn copy or a file
that is not a model is named as such (exit 2), not as a traceback from deep inside torch.
"""

from __future__ import annotations

from pathlib import Path

from tasks.core.errors import InputError

WEIGHTS_FILE = "weights.pt"


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
