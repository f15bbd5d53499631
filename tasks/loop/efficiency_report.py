"""Write the label-efficiency comparison: report.json (every run and the summary), report.md, curve.png,
and the curves as DVC plots (curves/<arm>.csv and the dvc.yaml that draws them: tasks/loop/curve_plots.py).

Shared by `yoloop active-learning` (reports/active_learning/) and `python -m
benchmarks.label_efficiency` (reports/label_efficiency/<dataset>-<profile>/), so both read the same.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from tasks.core import pyplot, save_figure, write_json
from tasks.loop.curve_plots import write_curve_plots
from tasks.loop.curves import CurvePoint
from tasks.loop.efficiency import summarise


def write_efficiency_report(points: list[CurvePoint], dest: Path, title: str, setup: dict | None = None) -> dict:
    """Summarise `points` and write the report files under `dest`; returns the summary."""
    summary = summarise(points)
    runs = [asdict(p) for p in sorted(points, key=lambda p: (p.repeat, p.arm, p.round))]
    write_json(dest / "report.json", {"title": title, "setup": setup or {}, "summary": summary, "runs": runs})
    plot_bands(summary, dest / "curve.png", title)
    write_curve_plots(summary, dest, title)
    (dest / "report.md").write_text("\n".join(markdown_lines(summary, title)) + "\n")
    return summary


def _fmt(value: float | None, sign: bool = False) -> str:
    return "-" if value is None else (f"{value:+.4f}" if sign else f"{value:.4f}")


def _interval(entry: dict, sign: bool = False) -> str:
    if entry["low"] is None:
        return f"{_fmt(entry['mean'], sign)} (n={entry['n']})"
    return f"{_fmt(entry['mean'], sign)} [{_fmt(entry['low'], sign)}, {_fmt(entry['high'], sign)}]"


def markdown_lines(summary: dict, title: str) -> list[str]:
    """Tables a person reads: each arm's curve with its interval, AULC, differences to random, labels to reach."""
    level = round(summary["level"] * 100)
    arms = summary["arms"]
    lines = [f"# {title}", "", f"Repeats complete: {len(summary['complete_repeats'])}; intervals {level}%.", ""]
    rounds = [row["round"] for row in next(iter(arms.values()))["curve"]]
    lines += ["| arm | " + " | ".join(f"round {r}" for r in rounds) + " |", "|---|" + "---|" * len(rounds)]
    for arm, entry in arms.items():
        cells = [f"{_interval(row['map50_95'])} @ {row['images']:.0f}" for row in entry["curve"]]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    reach = summary["labels_to_reach"] or {"arms": {}}
    unreached = reach.get("note", "not reached")
    lines += ["", "| arm | AULC | AULC - random | final - random | labels to reach random's final |"]
    lines += ["|---|---|---|---|---|"]
    for arm, entry in arms.items():
        versus = entry.get("vs_baseline")
        needed = reach["arms"].get(arm, {}).get("images")
        share = reach["arms"].get(arm, {}).get("share_of_baseline")
        cells = [
            _interval(entry["aulc"]) if "aulc" in entry else "-",
            _interval(versus["aulc"], True) if versus else "-",
            _interval(versus["final_map50_95"], True) if versus else "-",
            unreached if needed is None else f"{needed:.0f} ({share:.2f}x)",
        ]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += ["", "Rules that chose the batches (rounds over all repeats):"]
    lines += [f"- {arm}: " + ", ".join(f"{r} {n}" for r, n in entry["rules"].items()) for arm, entry in arms.items()]
    pairing = summary["pairing"]
    lines += ["", f"Paired design (same seed set and seed weights in every arm, by hash): {pairing['all_paired']}; "]
    lines[-1] += f"seed sets differ across repeats: {pairing['seed_sets_differ']}."
    return lines


def plot_bands(summary: dict, path: Path, title: str) -> None:
    """Mean test mAP50-95 against labelled images per arm, with its interval as a band."""
    figure, axes = pyplot().subplots(figsize=(7, 4.5))
    for arm, entry in summary["arms"].items():
        xs = [row["images"] for row in entry["curve"]]
        means = [row["map50_95"]["mean"] for row in entry["curve"]]
        line = axes.plot(xs, means, marker="o", label=arm)[0]
        lows = [row["map50_95"]["low"] for row in entry["curve"]]
        highs = [row["map50_95"]["high"] for row in entry["curve"]]
        if all(v is not None for v in lows + highs):
            axes.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.15)
    axes.set_xlabel("labelled images")
    axes.set_ylabel("test mAP50-95")
    axes.set_title(title, fontsize=9)
    axes.legend()
    figure.tight_layout()
    save_figure(figure, path, 100)
