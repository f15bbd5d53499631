"""Process set-up shared by every stage: offline, private, project-local state.

Ultralytics, FiftyOne, DVC, Prefect and MLflow all read their settings from the
environment when they are first imported, so the entry points (flows/__init__.py, the
tests' conftest, the benchmarks) call `configure()` before any of them is imported;
importing `tasks` itself sets nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[2]  # the checkout yoloop runs from (its git commit, its .yoloop/)
STATE_DIR_ENV = "YOLOOP_STATE_DIR"

# Telemetry off and nothing fetched at run time; setdefault lets a user opt back in.
OFFLINE_ENV = {
    "YOLO_OFFLINE": "1",
    "YOLO_AUTOINSTALL": "false",
    "FIFTYONE_DO_NOT_TRACK": "true",
    "DVC_NO_ANALYTICS": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "GIT_PYTHON_REFRESH": "quiet",
}

ULTRALYTICS_SETTINGS = {
    "sync": False,
    "api_key": "",
    "clearml": False,
    "comet": False,
    "dvc": False,
    "mlflow": False,  # yoloop logs to MLflow itself: no second, stray run
    "raytune": False,
    "tensorboard": False,
    "wandb": False,
    "vscode_msg": False,
    "openvino_msg": False,
}


def state_dir() -> Path:
    """Where local service state lives (MLflow, Prefect, FiftyOne, Ultralytics settings)."""
    return Path(os.environ.get(STATE_DIR_ENV, CODE_ROOT / ".yoloop")).resolve()


def quiet_ultralytics() -> None:
    """Apply `ULTRALYTICS_SETTINGS` through Ultralytics' own manager, which rewrites a partial file."""
    from ultralytics.utils import SETTINGS

    state = state_dir()
    wanted = {
        **ULTRALYTICS_SETTINGS,
        "datasets_dir": str(state / "datasets"),
        "weights_dir": str(state / "weights"),
        "runs_dir": str(state / "runs"),
    }
    if any(SETTINGS.get(key) != value for key, value in wanted.items()):
        SETTINGS.update(wanted)


# Where each tool keeps its state, under the state folder unless the environment says otherwise.
STATE_DERIVED_ENV = {
    "YOLO_CONFIG_DIR": "ultralytics",
    "PREFECT_HOME": "prefect",
    "FIFTYONE_DATABASE_DIR": "fiftyone/db",
}


def configure() -> None:
    """Set the environment for an offline, private run; safe to call many times."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    state = state_dir()
    (state / "prefect").mkdir(parents=True, exist_ok=True)
    for key, folder in STATE_DERIVED_ENV.items():
        os.environ.setdefault(key, str(state / folder))
    os.environ.setdefault("MPLBACKEND", "Agg")


def resolve_device(device: str) -> str:
    """`auto` means the first CUDA device when there is one, else the CPU."""
    if device != "auto":
        return device
    import torch

    return "0" if torch.cuda.is_available() else "cpu"
