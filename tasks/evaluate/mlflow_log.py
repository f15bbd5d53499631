"""The evaluate stage's MLflow run: headline numbers, the decision as tags, and the files as artifacts,
so the MLflow UI answers without the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.tracking import log_artifacts, log_metrics, log_tags


def evaluation_metrics(result: dict[str, Any], comparison: dict[str, Any] | None) -> dict[str, float]:
    """Test accuracy, per-class AP, speed, size, export costs and (with a champion) the comparison."""
    speed = result["speed"]["batch"]
    metrics = {
        "test_map50": result["map50"],
        "test_map50_95": result["map50_95"],
        "test_precision": result["precision"],
        "test_recall": result["recall"],
        **{f"test_ap50_95_{n}": c["ap50_95"] for n, c in result["per_class"].items()},
        **{f"speed_ms_{k}": v for k, v in result["speed_ms"].items()},
        **{f"latency_ms_b{b}_{k}": v for b, row in speed.items() for k, v in row.items()},
        "parameters": result["size"]["parameters"],
        "gflops": result["size"]["gflops"],
        **{f"export_{n}_map50_95_cost": row["map50_95_cost"] for n, row in result["export"]["variants"].items()},
    }
    if comparison:
        metrics.update(
            map50_95_gain=comparison["map50_95"]["diff"],
            map50_95_gain_ci_low=comparison["interval"]["low"],
            map50_95_gain_ci_high=comparison["interval"]["high"],
            relative_error_reduction=comparison["relative_error_reduction"],
            latency_ratio=comparison["latency_ratio"],
        )
    return metrics


def decision_tags(decision: dict[str, Any], registry: dict[str, Any]) -> dict[str, str]:
    return {
        "yoloop.decision": "promote" if decision["promote"] else "keep champion",
        "yoloop.decision_reasons": " | ".join(decision["reasons"])[:5000],
        "yoloop.champion_before": str(registry["champion_before"]),
        "yoloop.champion_after": str(registry["champion_after"]),
        "yoloop.registry_changed": str(registry["changed"]).lower(),
    }


def log_evaluation(
    result: dict[str, Any], comparison: dict[str, Any] | None, decision: dict, registry: dict, files: list[Path]
) -> None:
    """Metrics, decision tags and artifacts on the active (evaluate) run."""
    log_metrics(evaluation_metrics(result, comparison))
    log_tags(decision_tags(decision, registry))
    log_artifacts(files)
