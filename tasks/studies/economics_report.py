"""The economics report as JSON, as markdown and as a per-class bar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.core.plots import pyplot, save_figure
from tasks.core.yolo_files import atomic_dir, write_json


def _ap(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


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
    action = report["recommendation"]["action"]
    lines += ["", f"## Recommendation: {'transfer now' if action == 'transfer' else 'retrain from scratch'}", ""]
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
