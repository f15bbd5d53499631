"""Candidate architectures side by side: accuracy against speed on the same data and the same machine.

A newer architecture is worth its name only if it is more accurate at the speed a team can
afford; the table and the plot put each candidate's mAP50-95 beside its ms per image, and
mark the ones no other candidate beats on both (the Pareto front). Each candidate is trained
with the train section's settings (epochs and data subset from `architectures.epochs` and
`architectures.data` when set), scored on the test split like the evaluate stage, and timed in
alternation with the others, so the speeds compare. `train` and `evaluate` are
train_detector / evaluate_detector or the flow's Prefect tasks over them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.core import (
    Params,
    PreparedDataset,
    pyplot,
    resolve_device,
    save_figure,
    stage_test_set,
    stage_training_set,
    write_json,
)
from tasks.evaluate import evaluate_detector, model_size, paired_latency, timing_images, validation_args
from tasks.train import TrainOutcome, train_detector, ultralytics_args

COLUMNS = ("model", "parameters", "gflops", "map50", "map50_95", "latency_ms", "train_s")


def pareto_front(rows: list[dict[str, Any]]) -> set[str]:
    """Models for which no other is at least as fast and as accurate, and strictly better in one."""

    def dominated(row: dict[str, Any]) -> bool:
        return any(
            o["latency_ms"] <= row["latency_ms"]
            and o["map50_95"] >= row["map50_95"]
            and (o["latency_ms"] < row["latency_ms"] or o["map50_95"] > row["map50_95"])
            for o in rows
        )

    return {r["model"] for r in rows if not dominated(r)}


def table_markdown(rows: list[dict[str, Any]], device: str) -> str:
    front = pareto_front(rows)
    lines = [
        f"# Architecture comparison ({device})",
        "",
        "Same prepared data, same training settings, same test split; latency is ms per image at batch 1",
        "(pre-process + inference + post-process), timed in alternation. `*`: on the speed-accuracy front.",
        "",
        "| model | parameters | GFLOPs | mAP50 | mAP50-95 | ms/image | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: r["latency_ms"]):
        star = " *" if r["model"] in front else ""
        lines.append(
            f"| {r['model']}{star} | {r['parameters']:,} | {r['gflops']:.3f} | {r['map50']:.4f} | "
            f"{r['map50_95']:.4f} | {r['latency_ms']:.2f} | {r['train_s']:.0f} |"
        )
    return "\n".join([*lines, ""])


def plot_speed_accuracy(rows: list[dict[str, Any]], device: str, path: Path) -> Path:
    """mAP50-95 against ms per image, one labelled point per architecture."""
    plt = pyplot()
    front = pareto_front(rows)
    figure, axes = plt.subplots(figsize=(6, 4))
    for r in rows:
        axes.scatter(r["latency_ms"], r["map50_95"], marker="o" if r["model"] in front else "x", color="C0")
        axes.annotate(r["model"], (r["latency_ms"], r["map50_95"]), textcoords="offset points", xytext=(4, 4))
    axes.margins(x=0.25, y=0.15)  # room for the labels of the outermost points
    axes.set_xlabel(f"ms per image, batch 1 ({device}); o: on the speed-accuracy front, x: beaten on both")
    axes.set_ylabel("mAP50-95 (test)")
    axes.set_title("Speed against accuracy")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return save_figure(figure, path, 120)


def write_comparison(
    rows: list[dict[str, Any]], device: str, folder: Path, setup: dict[str, Any] | None = None
) -> list[Path]:
    """table.json, table.md and speed_accuracy.png in `folder`; `setup` says what they were trained on."""
    front = sorted(pareto_front(rows))
    write_json(folder / "table.json", {"device": device, **(setup or {}), "rows": rows, "pareto_front": front})
    (folder / "table.md").write_text(table_markdown(rows, device))
    return [
        folder / "table.json",
        folder / "table.md",
        plot_speed_accuracy(rows, device, folder / "speed_accuracy.png"),
    ]


def candidate_row(model: str, outcome: TrainOutcome, evaluation: Any, imgsz: int) -> dict[str, Any]:
    """One table row: size and accuracy of a trained candidate, and what its training took."""
    size = model_size(outcome.weights, imgsz)
    return {
        "model": model,
        "parameters": size["parameters"],
        "gflops": size["gflops"],
        "map50": evaluation.map50,
        "map50_95": evaluation.map50_95,
        "train_s": round(outcome.wall_s, 1),
        "epochs": outcome.epochs,
    }


def compare_architectures(
    params: Params,
    dataset: PreparedDataset,
    work: Path,
    train: Callable[..., TrainOutcome] = train_detector,
    evaluate: Callable[..., tuple[Any, Any]] = evaluate_detector,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Train, score and time every model of `architectures.models`; the rows, and what they were trained on."""
    section, evaluate_section = params.architectures, params.evaluate
    device = resolve_device(params.project.device)
    subset = section.data or params.train.data
    data_yaml, names = stage_training_set(dataset, subset, work / "data"), dataset.names_for(subset)
    test_yaml = stage_test_set(dataset, names, work / "test")
    train_args = ultralytics_args(params.train, device, params.project.seed)
    train_args |= {"epochs": section.epochs} if section.epochs else {}
    rows, weights = [], {}
    for model in section.models:
        stem = model.rsplit(".", 1)[0]
        outcome = train(model, data_yaml, train_args, work / f"train_{stem}")
        evaluation, _ = evaluate(outcome.weights, test_yaml, names, validation_args(params), work / f"val_{stem}")
        weights[model] = outcome.weights
        rows.append(candidate_row(model, outcome, evaluation, evaluate_section.imgsz))
    images = timing_images(dataset, evaluate_section.speed_images)
    latency = paired_latency(weights, images, evaluate_section.predictor_args(), device)
    for row in rows:
        row["latency_ms"] = latency[row["model"]]
    return rows, {"data": subset, "classes": names}
