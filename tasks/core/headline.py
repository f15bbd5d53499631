"""The headline figures a stage's DVC metrics file holds (metrics/<stage>.json), and where its details go.

`dvc metrics show` prints one table whose columns are the union of every metrics file's keys, nested
keys flattened (`a.b`), each column as wide as its header plus two: the details of a stage (per split,
per batch size, per export, the comparison with the champion) would make it far too wide to read. So a metrics
file holds a few flat keys under the short names Ultralytics prints (P, R, mAP50, mAP50-95), shared by
train, transfer and evaluate so they share columns, rounded as Ultralytics rounds them; everything else
goes to metrics/<stage>_details.json, a DVC output (dvc.yaml), read by the code and the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DIGITS = 3  # as Ultralytics prints P, R and mAP; the details keep every digit
ACCURACY_KEYS = ("mAP50", "mAP50-95", "P", "R")
EVALUATE_KEYS = (*ACCURACY_KEYS, "AP", "ms", "MB", "decision")  # AP: per class, AP50-95
HEADLINE_KEYS = {"train": ACCURACY_KEYS, "transfer": ACCURACY_KEYS, "evaluate": EVALUATE_KEYS}
ULTRALYTICS_NAMES = {
    "mAP50": "metrics/mAP50(B)",
    "mAP50-95": "metrics/mAP50-95(B)",
    "P": "metrics/precision(B)",
    "R": "metrics/recall(B)",
}


def details_file(metrics_dir: Path, stage: str) -> Path:
    """metrics/<stage>_details.json: every figure of the stage (a DVC output, not a DVC metric)."""
    return metrics_dir / f"{stage}_details.json"


def rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def accuracy(map50: float, map50_95: float, precision: float, recall: float) -> dict[str, float | None]:
    """The four figures train, transfer and evaluate all report, under the same keys (one column each)."""
    return dict(zip(ACCURACY_KEYS, map(rounded, (map50, map50_95, precision, recall)), strict=True))


def training_headline(ultralytics_metrics: dict[str, float]) -> dict[str, Any]:
    """metrics/train.json, metrics/transfer.json: the validation accuracy of the published (best) weights."""
    return accuracy(*(ultralytics_metrics.get(ULTRALYTICS_NAMES[key]) for key in ACCURACY_KEYS))


def decision_word(decision: dict[str, Any], registry: dict[str, Any]) -> str:
    """The evaluate stage's outcome in one word: what the evaluated version is in the registry now."""
    if registry["version"] is None:
        return "unregistered"
    if not decision["promote"]:
        return "challenger"
    return "champion" if registry["champion_before"] == registry["version"] else "promoted"


def evaluation_headline(result: dict[str, Any], decision: dict[str, Any], registry: dict[str, Any]) -> dict[str, Any]:
    """metrics/evaluate.json: test accuracy, AP50-95 per class, ms per image (batch 1), MB, the decision."""
    return {
        **accuracy(result["map50"], result["map50_95"], result["precision"], result["recall"]),
        "AP": {name: rounded(row["ap50_95"]) for name, row in result["per_class"].items()},
        "ms": round(result["speed"]["batch"]["1"]["total"], 1),  # pre-process + inference + post-process
        "MB": round(result["size"]["file_bytes"] / 1e6, 1),
        "decision": decision_word(decision, registry),
    }
