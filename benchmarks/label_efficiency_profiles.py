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
    val_images: int  # 0: the whole val split; else a sample per repeat (validated once, after the last epoch)
    repeats: int
    train_batch: int
    workers: int
    jobs: int = 1  # repeats run at once, one process each (a GPU has room for several small trainings)
    cold_start: float | None = None  # None: mine.cold_start of params.yaml
    builtin: dict[str, int] = field(default_factory=dict)  # split sizes when the dataset is the built-in one

    def params(self, cold_start: float | None = None) -> dict[str, Any]:
        """The params overrides of the temporary project (`cold_start`, if given, wins over the profile's)."""
        fit = {"imgsz": self.imgsz, "batch": self.train_batch, "workers": self.workers}
        overrides: dict[str, Any] = {
            # val: false validates once, after the last epoch: per-epoch validation cost more than training here
            "train": {**fit, "ultralytics": {"plots": False, "val": False}},
            "mine": {"imgsz": self.imgsz, "batch": max(self.train_batch, 16)},
        }
        chosen = self.cold_start if cold_start is None else cold_start
        if chosen is not None:
            overrides["mine"]["cold_start"] = chosen
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
    # Sized for 60 minutes on 2 CPU cores. Ultralytics trains on the CPU with one thread (cores - 1), so two
    # repeats run at once. Calibrated on neu-det at 128 px (YOLOv8n from scratch, test mAP50-95): 200 images x
    # 40 epochs 0.036, 200 x 80 0.098, 400 x 40 0.103; the seed gets 6k image-epochs, each round 15 epochs on
    # all labels so far. Models this small stay below the cold-start threshold, where uncertainty and hybrid
    # would pick exactly as diversity does: cold start is off so that the four arms measure four rules.
    "cpu": Profile(
        imgsz=128,
        seed_images=100,
        batch=50,
        rounds=2,
        epochs=60,
        transfer_epochs=15,
        pool_images=400,
        val_images=60,
        repeats=5,
        train_batch=16,
        workers=1,
        jobs=2,
        cold_start=0.0,
        builtin={"base_train": 200, "base_val": 40, "new_train": 80, "new_val": 20, "test": 100, "pool": 400},
    ),
    # Sized for about 10 minutes on one H100-class GPU, all 10 repeats at once (16 CPU cores: one
    # dataloader worker each); not run yet: no GPU was lent.
    "gpu": Profile(
        imgsz=256,
        seed_images=50,
        batch=40,
        rounds=5,
        epochs=60,
        transfer_epochs=10,
        pool_images=0,
        val_images=100,
        repeats=10,
        train_batch=32,
        workers=1,
        jobs=10,
    ),
}
