"""The datasets and the size profiles of `python -m benchmarks.label_efficiency`.

A dataset is a params override of a temporary project (what `prepare` reads) and, for a real
one, the folder `yoloop import` reads. A profile sizes one experiment for a machine; the
figures next to each say how it was sized (README: "Does mining beat random picking?").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ORACLE = {"split": "train", "share": 0.8}  # 80% of the prepared train split: the pool, its labels the oracle's

DATASETS: dict[str, dict[str, Any]] = {
    "builtin": {"source": None, "prepare": {"source": "builtin"}},
    "bccd": {  # VOC with ImageSets/Main/{train,val,test}.txt: its own splits (205 / 87 / 72 images)
        "source": "bccd",
        "prepare": {
            "source": "datasets",
            "classes": {"base": ["RBC", "WBC", "Platelets"], "new": []},
            "datasets": [{"name": "bccd"}],
            "oracle": ORACLE,
        },
    },
    "neu-det": {  # IMAGES/ + ANNOTATIONS/ (1,800 grayscale 200 x 200, 6 classes), no splits: re-split by hash
        "source": "neu-det",
        "prepare": {
            "source": "datasets",
            "classes": {
                "base": ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"],
                "new": [],
            },
            "datasets": [{"name": "neu-det"}],
            "resplit": {"val": 0.15, "test": 0.15},
            "oracle": ORACLE,
        },
    },
}


@dataclass(frozen=True)
class Profile:
    """One experiment's size: image side, seed set, batch per round, rounds, epochs, pool sample, repeats."""

    imgsz: int
    seed_images: int
    batch: int  # images labelled per round and arm
    rounds: int
    epochs: int  # the seed model, from scratch
    transfer_epochs: int  # each round fine-tunes the arm's previous model
    pool_images: int  # 0: the whole pool; else a sample per repeat (shared by its arms)
    val_images: int  # 0: the whole val split; else a sample per repeat (validation while training)
    repeats: int
    train_batch: int
    workers: int
    jobs: int = 1  # repeats run at once, one process each (a GPU has room for several small trainings)
    builtin: dict[str, int] = field(default_factory=dict)  # split sizes when the dataset is the built-in one

    def params(self, cold_start: float | None = None) -> dict[str, Any]:
        """The params overrides of the temporary project for this profile (and a cold-start threshold, if given)."""
        fit = {"imgsz": self.imgsz, "batch": self.train_batch, "workers": self.workers}
        overrides: dict[str, Any] = {
            "train": {**fit, "ultralytics": {"plots": False}},
            "mine": {"imgsz": self.imgsz, "batch": max(self.train_batch, 16)},
        }
        if cold_start is not None:
            overrides["mine"]["cold_start"] = cold_start
        if self.builtin:
            overrides["prepare"] = {"builtin": {"images": self.builtin}}
        return overrides


PROFILES: dict[str, Profile] = {
    # Minutes on 2 CPU cores, to see the whole experiment run end to end; its figures mean nothing.
    "smoke": Profile(
        imgsz=64,
        seed_images=8,
        batch=4,
        rounds=2,
        epochs=3,
        transfer_epochs=1,
        pool_images=24,
        val_images=0,
        repeats=2,
        train_batch=8,
        workers=0,
        builtin={"base_train": 16, "base_val": 4, "new_train": 8, "new_val": 3, "test": 8, "pool": 40},
    ),
    # At most 60 minutes on 2 CPU cores (estimated from the smoke profile's per-image cost; README).
    "cpu": Profile(
        imgsz=128,
        seed_images=30,
        batch=15,
        rounds=3,
        epochs=25,
        transfer_epochs=6,
        pool_images=300,
        val_images=60,
        repeats=5,
        train_batch=16,
        workers=2,
        builtin={"base_train": 200, "base_val": 40, "new_train": 80, "new_val": 20, "test": 100, "pool": 400},
    ),
    # Sized for about 10 minutes on one H100-class GPU with 5 repeats at a time; not run yet (no GPU here).
    "gpu": Profile(
        imgsz=256,
        seed_images=50,
        batch=30,
        rounds=6,
        epochs=60,
        transfer_epochs=15,
        pool_images=0,
        val_images=0,
        repeats=10,
        train_batch=32,
        workers=2,
        jobs=5,
    ),
}
