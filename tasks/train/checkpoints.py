"""Resuming training: a retried or re-run training job continues from its last checkpoint.

A training run lives in a scratch folder named after a fingerprint of everything that
shapes it (the model it starts from, the Ultralytics arguments, the staged images and
labels). A new attempt with the same fingerprint finds the run that was cut off, in this
process (a Prefect task retry) or another one (the worker was killed and the deployment
ran again), and resumes from its `last.pt` instead of starting over. Any change to the
inputs gives a new fingerprint, hence a fresh run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any


def files_digest(folder: Path) -> str:
    """A digest of a staged dataset: every file's path and size, and the text of every label file."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".cache"):
        digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}\n".encode())
        if path.suffix in {".txt", ".yaml"}:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_fingerprint(model: str, args: dict[str, Any], data_folder: Path) -> str:
    """The identity of a training run; equal fingerprints may resume one another.

    A start that is a file (a .pt) counts by its bytes, not its name: the transfer stage
    always starts from the same path, holding whatever model the previous stage made.
    """
    start = hashlib.sha256(Path(model).read_bytes()).hexdigest() if Path(model).is_file() else model
    recipe = json.dumps({"model": start, "args": args}, sort_keys=True, default=str)
    return hashlib.sha256(f"{recipe}\n{files_digest(data_folder)}".encode()).hexdigest()[:16]


def run_folder(runs: Path, fingerprint: str) -> Path:
    """The run folder for this fingerprint in `runs` (one stage's runs); folders of other fingerprints are removed.

    `runs` is the checkout's own (`Layout.runs`): a training in another checkout, on a worker
    beside this one, has its run folders elsewhere and never loses them to this clean-up. The
    folder is absolute: Ultralytics puts a relative `project` under its own runs folder.
    """
    runs = runs.resolve()
    if runs.exists():
        for other in runs.iterdir():
            if other.name != fingerprint:
                shutil.rmtree(other, ignore_errors=True)
    return runs / fingerprint


def drop_unsaved_epochs(run_dir: Path, checkpoint: Path) -> int:
    """Drop rows of results.csv for epochs after the checkpoint (they are trained again); return its epoch count.

    Ultralytics writes an epoch's row before its checkpoint, so a kill between the two
    would otherwise leave that epoch twice in the table.
    """
    import torch

    done = int(torch.load(checkpoint, map_location="cpu", weights_only=False)["epoch"]) + 1
    table = run_dir / "results.csv"
    if table.exists():
        header, *rows = table.read_text().splitlines()
        kept = [row for row in rows if int(float(row.split(",")[0])) <= done]
        table.write_text("\n".join([header, *kept]) + "\n")
    return done


def resumable_checkpoint(run_dir: Path) -> Path | None:
    """`last.pt` of a run that was cut off, or None (no run, or it finished: Ultralytics then strips it)."""
    last = run_dir / "weights" / "last.pt"
    if not last.exists():
        return None
    import torch

    try:
        checkpoint = torch.load(last, map_location="cpu", weights_only=False)
    except Exception:  # a checkpoint torn by the kill itself: start over
        return None
    unfinished = checkpoint.get("optimizer") is not None and checkpoint.get("epoch", -1) >= 0
    epochs = int(checkpoint.get("train_args", {}).get("epochs", 0))
    return last if unfinished and checkpoint["epoch"] + 1 < epochs else None
