"""Where each stage reads and writes, relative to the repository root (DVC's working directory).

dvc.yaml names the same paths; a stage never writes outside its declared outputs,
except into the scratch folder, which no one versions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tasks.core.runtime import state_dir

PREPARED = Path("data/prepared")
POOL = Path("data/pool")
ORACLE = Path("data/oracle")
RELABEL = Path("data/relabel")  # relabel batches handed out by `mine`, one folder per round
LABELS = Path("data/labels")  # labels taken back by `yoloop labels import`, one folder per round
MODELS = Path("models")
METRICS = Path("metrics")
REPORTS = Path("reports")
WEIGHTS_FILE = "weights.pt"
MODEL_CARD = "card.json"


def model_dir(stage: str) -> Path:
    return MODELS / stage


def fresh_scratch(name: str) -> Path:
    """An empty working folder for one stage (staged data, Ultralytics run folders)."""
    path = state_dir() / "work" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
