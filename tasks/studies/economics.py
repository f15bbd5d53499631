"""Scratch or transfer: the economics study's four experiments, their figures, what they cost, what to do next,
and the report (JSON, markdown, a per-class bar chart).

A: scratch on the base classes; B: A transferred to the new data only; C: A transferred to all
data; D: scratch on all data. Transfers start exactly as the transfer stage starts
(tasks/train/transfer_start.py); every model is scored on the same test split and priced by its
device time. `train` and `evaluate` are train_detector / evaluate_detector or the flow's Prefect
tasks over them. The figures and the decisions are pure functions of the four results, so they can
be tested without training anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from tasks.core import (
    Params,
    PreparedDataset,
    atomic_dir,
    pyplot,
    read_left_out,
    read_split_stats,
    resolve_device,
    save_figure,
    stage_test_set,
    stage_training_set,
    write_json,
)
from tasks.evaluate import ForgettingFlag, ap_by_class, check_forgetting, evaluate_detector, validation_args
from tasks.train import (
    TrainOutcome,
    plan_next_training,
    stage_transfer_set,
    train_detector,
    transfer_start,
    ultralytics_args,
)

EXPERIMENTS = {
    "A": "scratch on the base classes",
    "B": "A transferred to the new data only",
    "C": "A transferred to all data",
    "D": "scratch on all data",
}


@dataclass
class Experiment:
    """One training path and its result on the shared test set."""

    name: str
    description: str
    start: str
    data: str
    epochs: int
    images_seen: int
    wall_s: float
    device_s: float
    cost: float
    map50_95: float
    per_class: dict[str, float | None]  # None: the model does not know the class
    forgetting: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def device_cost(device_s: float, price_per_device_hour: float) -> float:
    """What the device time costs at the given hourly price."""
    return round(device_s / 3600 * price_per_device_hour, 6)


@dataclass(frozen=True)
class Recommendation:
    action: Literal["transfer", "retrain"]
    reasons: list[str]


def recommend(
    rows: dict[str, Experiment],
    flags_c: list[ForgettingFlag],
    quality_floor: float,
    plan: Literal["transfer", "retrain"],
) -> Recommendation:
    """Transfer on all data (C) when it keeps the old classes and nearly matches scratch (D); else retrain.

    When D scores 0 its share says nothing; when C scores 0 too, nothing was learned: retrain, and longer.
    """
    c, d = rows["C"], rows["D"]
    compute = c.device_s / d.device_s if d.device_s > 0 else 0.0
    quality = c.map50_95 / d.map50_95 if d.map50_95 > 0 else None
    cost = f"({c.cost:.4f} vs {d.cost:.4f})"
    if quality is not None:
        figures = f"C reaches {quality:.0%} of D's mAP50-95 ({c.map50_95:.3f} vs {d.map50_95:.3f}) "
        figures += f"with {compute:.0%} of its device time {cost}"
    else:
        figures = f"D scores 0 mAP50-95 (C {c.map50_95:.3f}): no share of it to compare; C takes {compute:.0%} "
        figures += f"of D's device time {cost}"
    reasons = []
    if plan == "retrain":
        reasons.append("the model is retrain_every transfers away from a scratch run: time for a full retrain")
    if flags_c:
        reasons += [f"C forgets: {flag.reason}" for flag in flags_c]
    if quality is not None and quality < quality_floor:
        reasons.append(f"{figures}, below the quality floor of {quality_floor:.0%}")
    if c.map50_95 <= 0 and d.map50_95 <= 0:
        reasons.append(f"{figures}; neither detects anything on the test split: train longer to decide")
    if reasons:
        return Recommendation("retrain", reasons)
    return Recommendation("transfer", [f"{figures}, and keeps the old classes"])


def economics_report(
    rows: dict[str, Experiment],
    recommendation: Recommendation,
    settings: dict[str, Any],
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report as plain data: one row per experiment, the recommendation, the settings used, and the data
    (the shared test split, and the copies prepare left out so that no model is tested on what it trained on)."""
    return {
        "experiments": {name: row.to_json() for name, row in rows.items()},
        "recommendation": {"action": recommendation.action, "reasons": recommendation.reasons},
        "settings": settings,
        "data": data or {},
    }


EXPERIMENT_DATA = {"A": "base", "B": "new_only", "C": "all", "D": "all"}
Trainer = Callable[..., TrainOutcome]
Evaluator = Callable[..., tuple[Any, Any]]
Starter = Callable[..., Callable[[], TrainOutcome]]  # starts a training elsewhere; returns the wait for its outcome


def scratch_run(params: Params, dataset: PreparedDataset, data: str, work: Path) -> tuple[str, Path, dict, Path]:
    """The arguments of a scratch training on `data`: model, staged dataset yaml, Ultralytics args, run folder."""
    args = ultralytics_args(params.train, resolve_device(params.project.device), params.project.seed)
    return params.train.model, stage_training_set(dataset, data, work / "data"), args, work / "run"


def train_transfer(
    params: Params, dataset: PreparedDataset, weights: Path, data: str, work: Path, train: Trainer
) -> TrainOutcome:
    section, device, seed = params.transfer, resolve_device(params.project.device), params.project.seed
    data_yaml = stage_transfer_set(dataset, data, section.replay, seed, work / "data")
    start = transfer_start(weights, dataset.names, section, device, seed, work)
    return train(start.model, data_yaml, start.args, work / "run", start.callbacks)


def train_experiments(
    params: Params,
    dataset: PreparedDataset,
    work: Path,
    train: Trainer = train_detector,
    start_aside: Starter | None = None,
) -> dict[str, TrainOutcome]:
    """A, then B and C from A's weights, then D; with `start_aside`, D trains meanwhile, elsewhere (D needs
    nothing of A: on two CPU cores the study then takes about as long as its longest chain)."""
    wait_for_d = start_aside(*scratch_run(params, dataset, EXPERIMENT_DATA["D"], work / "D")) if start_aside else None
    outcomes = {"A": train(*scratch_run(params, dataset, EXPERIMENT_DATA["A"], work / "A"))}
    for name in "BC":
        outcomes[name] = train_transfer(
            params, dataset, outcomes["A"].weights, EXPERIMENT_DATA[name], work / name, train
        )
    outcomes["D"] = (
        wait_for_d() if wait_for_d else train(*scratch_run(params, dataset, EXPERIMENT_DATA["D"], work / "D"))
    )
    return outcomes


def measure(
    params: Params,
    dataset: PreparedDataset,
    name: str,
    outcome: TrainOutcome,
    work: Path,
    evaluate: Evaluator = evaluate_detector,
) -> Experiment:
    """Evaluate one experiment's model on the shared test split and price its training."""
    test_yaml = stage_test_set(dataset, outcome.names, work / "test")
    evaluation, _ = evaluate(outcome.weights, test_yaml, dataset.names, validation_args(params), work / "val")
    device_s = round(outcome.wall_s, 2)  # one device, busy for the whole run
    return Experiment(
        name=name,
        description=EXPERIMENTS[name],
        start="A" if name in "BC" else params.train.model,
        data=EXPERIMENT_DATA[name],
        epochs=outcome.epochs,
        images_seen=outcome.images_seen,
        wall_s=device_s,
        device_s=device_s,
        cost=device_cost(device_s, params.economics.price_per_device_hour),
        map50_95=evaluation.map50_95,
        per_class=ap_by_class(evaluation.per_class),
    )


def economics_study(
    params: Params, dataset: PreparedDataset, rows: dict[str, Experiment], device: str, lineage: int
) -> dict[str, Any]:
    """Flag B's and C's forgetting against A, recommend, and the report with the settings it used."""
    tolerance = params.forgetting.tolerance
    flags = {n: check_forgetting(rows["A"].per_class, rows[n].per_class, dataset.base_classes, tolerance) for n in "BC"}
    for name, found in flags.items():
        rows[name].forgetting = [flag.to_json() for flag in found]
    plan = plan_next_training(lineage, params.transfer.retrain_every)
    recommendation = recommend(rows, flags["C"], params.economics.quality_floor, plan)
    settings = {
        **params.economics.model_dump(),
        "tolerance": tolerance,
        "retrain_every": params.transfer.retrain_every,
        "transfers_since_scratch": lineage,
        "strategy": params.transfer.strategy,
        "old_classes": dataset.base_classes,
        "new_classes": dataset.new_classes,
        "test_images": len(list((dataset.root / "test" / "images").glob("*"))),
        "device": device,
    }
    return economics_report(rows, recommendation, settings, data_summary(dataset))


def data_summary(dataset: PreparedDataset) -> dict[str, Any]:
    """What the four models were trained and tested on: images per split, boxes per class in the shared test
    split, and the copies prepare left out (data/prepared/left_out.json), so the report can say which and why."""
    stats = read_split_stats(dataset.root) or {}
    test = stats.get("test", {"classes": {}})
    return {
        "images": {split: s["images"] for split, s in stats.items()},
        "test_boxes": {name: c["instances"] for name, c in test["classes"].items()},
        "left_out": read_left_out(dataset.root),
    }


def experiment_metrics(rows: dict[str, Experiment]) -> dict[str, float]:
    """<experiment>_map50_95 and <experiment>_device_s, for the study's MLflow run."""
    return {f"{n}_{k}": getattr(r, k) for n, r in rows.items() for k in ("map50_95", "device_s")}


def _ap(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


LISTED = 10  # left-out copies named one by one in report.md; report.json (and left_out.json) keep every one


def _split_sizes(images: dict[str, int], part: str) -> str:
    return f"train {images.get(f'{part}/train', 0)}, val {images.get(f'{part}/val', 0)} images"


def data_lines(data: dict[str, Any]) -> list[str]:
    """The shared test split, what each model trained on, and every copy prepare left out, with why."""
    if not data:
        return []
    images, boxes = data["images"], data["test_boxes"]
    lines = [
        "## The data",
        "",
        f"One test split for the four models: {images.get('test', 0)} images, boxes "
        + ", ".join(f"{name} {count}" for name, count in boxes.items())
        + f". A trains on base ({_split_sizes(images, 'base')}), B on new ({_split_sizes(images, 'new')}), "
        "C and D on both.",
    ]
    left_out = data["left_out"]
    if not left_out:
        return [*lines, "", "prepare left no copy out: no picture was in two sets or two splits.", ""]
    same = [row for row in left_out if row["kind"] == "duplicate" and "boxes differ" not in row["reason"]]
    named = [row for row in left_out if row not in same]
    lines += ["", f"prepare left {len(left_out)} copies out (`data/prepared/left_out.json`):", ""]
    lines += [f"- {row['kind']}: `{row['image']}` ({row['split']}): {row['reason']}" for row in named[:LISTED]]
    if len(named) > LISTED:
        lines.append(f"- and {len(named) - LISTED} more like these")
    if same:
        lines.append(f"- {len(same)} duplicates: the same picture with the same boxes in two sets, kept once")
    return [*lines, ""]


def render_markdown(report: dict[str, Any]) -> str:
    """A table of the four experiments (per class, cost) and the recommendation with its reasons."""
    rows = report["experiments"]
    classes = list(next(iter(rows.values()))["per_class"])
    settings = report["settings"]
    lines = [
        "# Scratch or transfer: the four experiments",
        "",
        f"Test set: {settings['test_images']} images; classes {', '.join(classes)}; "
        f"old classes {', '.join(settings['old_classes'])}.",
        f"Price: {settings['price_per_device_hour']} per device-hour on `{settings['device']}`.",
        "",
        "| run | what | epochs | images seen | wall s | device s | device s incl. A | cost | mAP50-95 | "
        + " | ".join(classes)
        + " | forgetting |",
        "|---" * (10 + len(classes)) + "|",
    ]
    for name, row in rows.items():
        forgot = ", ".join(flag["name"] for flag in row["forgetting"]) or "-"
        cells = [name, row["description"], row["epochs"], row["images_seen"], f"{row['wall_s']:.1f}"]
        total = row["device_s"] + (rows["A"]["device_s"] if row["start"] == "A" else 0.0)
        cells += [f"{row['device_s']:.1f}", f"{total:.1f}", f"{row['cost']:.4f}", f"{row['map50_95']:.3f}"]
        cells += [_ap(row["per_class"][c]) for c in classes] + [forgot]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", *data_lines(report.get("data", {}))]
    action = report["recommendation"]["action"]
    lines += [f"## Recommendation: {'transfer now' if action == 'transfer' else 'retrain from scratch'}", ""]
    lines += [f"- {reason}" for reason in report["recommendation"]["reasons"]]
    lines += ["", f"Schedule: a full retrain every {settings['retrain_every']} transfers (`transfer.retrain_every`)."]
    return "\n".join(lines) + "\n"


def plot_per_class(report: dict[str, Any], path: Path) -> Path:
    """Grouped bars: mAP50-95 per class for each experiment (a missing bar: the model lacks the class)."""
    plt = pyplot()
    rows = report["experiments"]
    classes = list(next(iter(rows.values()))["per_class"])
    width = 0.8 / len(rows)
    figure, axes = plt.subplots(figsize=(1.8 + 1.6 * len(classes), 3.6))
    for i, (name, row) in enumerate(rows.items()):
        values = [row["per_class"][c] or 0.0 for c in classes]
        axes.bar([k + i * width for k in range(len(classes))], values, width, label=f"{name}: {row['description']}")
    axes.set_xticks([k + 0.4 - width / 2 for k in range(len(classes))], classes)
    axes.set_ylabel("mAP50-95 (test)")
    axes.set_ylim(0, 1)
    axes.legend(fontsize=7, loc="upper right")
    figure.tight_layout()
    return save_figure(figure, path, 100)


def write_economics_report(report: dict[str, Any], out: Path) -> list[Path]:
    """report.json, report.md and per_class.png, swapped into `out` at once."""
    with atomic_dir(out) as staging:
        write_json(staging / "report.json", report)
        (staging / "report.md").write_text(render_markdown(report))
        plot_per_class(report, staging / "per_class.png")
    return [out / "report.md", out / "report.json", out / "per_class.png"]
