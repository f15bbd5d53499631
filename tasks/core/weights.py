"""The weights a training stage publishes in models/<stage>, beside its card (tasks/core/contracts.py).

Every stage that starts from weights checks them with `require_weights` first: a torn copy or a file
that is not a model is named as such (exit 2), not as a traceback from deep inside torch.
"""

from __future__ import annotations

from pathlib import Path

from tasks.core.errors import InputError

WEIGHTS_FILE = "weights.pt"
REPUBLISH = "rerun the stage that made it, or restore it (`dvc checkout`)"


def load_checkpoint(path: Path, fix: str = REPUBLISH) -> dict:
    """The YOLO checkpoint in `path` (a dict with its model); an InputError naming `path` and `fix` otherwise."""
    import torch

    if not path.is_file():
        raise InputError(f"{path}: no such weights file; {fix}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torn zip, text, empty file: torch says it in many ways
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable weights file ({reason}); {fix}") from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("model") is None:
        raise InputError(f"{path}: holds no model (not a YOLO checkpoint); {fix}")
    return checkpoint


def require_weights(path: Path) -> Path:
    """`path` when it holds a YOLO checkpoint (a model inside); an InputError naming it otherwise."""
    load_checkpoint(path)
    return path


def checkpoint_names(path: Path, fix: str = REPUBLISH) -> list[str]:
    """The class names of the YOLO checkpoint in `path`, in the order of their ids (its model's `names`)."""
    names = getattr(load_checkpoint(path, fix)["model"], "names", None) or {}
    return [str(names[i]) for i in sorted(names)] if isinstance(names, dict) else [str(n) for n in names]
