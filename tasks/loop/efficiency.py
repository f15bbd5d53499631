"""Label efficiency of the loop's arms over repeats: curves with intervals, AULC, paired differences; and the
report of the comparison (report.json with every run and the summary, report.md, curve.png, the curves as
DVC plots).

Every number comes from the points the loop wrote (tasks/loop/rounds.py), through the pure
functions of tasks/loop/stats.py:
- per arm and round: mean test mAP50-95 over repeats and its t interval;
- per arm: AULC (normalised trapezoid over labelled images) per repeat, its mean and interval;
- per arm against the baseline (`random`): the paired difference per repeat (same seed set, same
  seed model) of AULC, of the final mAP and of each round's mAP, with bootstrap intervals;
- per arm: the labelled images its mean curve needs to reach the baseline's final mean mAP.
Repeats that have not finished every round yet (a report written mid-run) count in the per-round
bands but not in AULC or the differences, which need whole curves.

The report is shared by `yoloop active-learning` (reports/active_learning/) and `python -m
benchmarks.label_efficiency` (reports/label_efficiency/<dataset>-<profile>/), so both read the same.
A study runs outside `dvc repro`, so the project's dvc.yaml cannot name its files (a plot there whose
file is missing is an error in every `dvc plots show`): the study writes, beside its report, one CSV per
arm (`curves/<arm>.csv`: round, labelled images, mean test mAP50-95 over repeats, its interval) and a
`dvc.yaml` holding only the plot that draws them; DVC reads every dvc.yaml of the repository, so the
curves appear (one line per arm) once the study has run, and not before.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import yaml

from tasks.core import pyplot, save_figure, write_json, write_text_atomic
from tasks.loop.curves import CurvePoint
from tasks.loop.stats import aulc, labels_to_reach_curve, paired_difference, t_interval

BASELINE = "random"


def by_arm_and_repeat(points: list[CurvePoint]) -> dict[str, dict[int, list[CurvePoint]]]:
    curves: dict[str, dict[int, list[CurvePoint]]] = defaultdict(lambda: defaultdict(list))
    for point in points:
        curves[point.arm][point.repeat].append(point)
    return {arm: {r: sorted(c, key=lambda p: p.round) for r, c in repeats.items()} for arm, repeats in curves.items()}


def complete_repeats(curves: dict[str, dict[int, list[CurvePoint]]]) -> list[int]:
    """Repeats in which every arm reached the last round any arm reached."""
    last = max(p.round for repeats in curves.values() for curve in repeats.values() for p in curve)
    repeats = set.intersection(*(set(r) for r in curves.values()))
    return sorted(r for r in repeats if all(curves[arm][r][-1].round == last for arm in curves))


def round_bands(curve_by_repeat: dict[int, list[CurvePoint]], level: float) -> list[dict]:
    """Per round: mean labelled images, the mAP50-95 of every repeat, their mean and t interval."""
    per_round: dict[int, list[CurvePoint]] = defaultdict(list)
    for curve in curve_by_repeat.values():
        for point in curve:
            per_round[point.round].append(point)
    return [
        {
            "round": number,
            "images": sum(p.images for p in found) / len(found),
            "map50_95": t_interval([p.map50_95 for p in found], level).as_dict(),
            "per_repeat": {p.repeat: p.map50_95 for p in found},
        }
        for number, found in sorted(per_round.items())
    ]


def rules_used(curve_by_repeat: dict[int, list[CurvePoint]]) -> dict[str, int]:
    """How many of the arm's rounds each rule chose (cold start turns uncertainty and hybrid into diversity)."""
    counts: dict[str, int] = defaultdict(int)
    for curve in curve_by_repeat.values():
        for point in curve:
            if point.rule:
                counts[point.rule] += 1
    return dict(counts)


def curve_aulc(curve: list[CurvePoint]) -> float:
    return aulc([p.images for p in curve], [p.map50_95 for p in curve])


def against_baseline(
    arm: list[list[CurvePoint]], base: list[list[CurvePoint]], level: float, resamples: int, seed: int
) -> dict:
    """Paired differences arm - baseline over the same repeats: AULC, final mAP, each round's mAP."""
    diff = lambda a, b: paired_difference(a, b, level, resamples, seed).as_dict()  # noqa: E731
    rounds = [
        {"round": a.round, "images": a.images, **diff([c[i].map50_95 for c in arm], [c[i].map50_95 for c in base])}
        for i, a in enumerate(arm[0])
    ]
    return {
        "aulc": diff([curve_aulc(c) for c in arm], [curve_aulc(c) for c in base]),
        "final_map50_95": diff([c[-1].map50_95 for c in arm], [c[-1].map50_95 for c in base]),
        "per_round": rounds,
    }


def summarise(
    points: list[CurvePoint], baseline: str = BASELINE, level: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> dict:
    """The whole comparison as one JSON-ready dict (see the module docstring)."""
    curves = by_arm_and_repeat(points)
    done = complete_repeats(curves)
    summary: dict = {"level": level, "baseline": baseline, "complete_repeats": done, "arms": {}}
    for arm, repeats in curves.items():
        whole = [repeats[r] for r in done]
        entry = {"curve": round_bands(repeats, level), "rules": rules_used(repeats)}
        if whole:
            values = [curve_aulc(c) for c in whole]
            entry["aulc"] = {**t_interval(values, level).as_dict(), "per_repeat": dict(zip(done, values, strict=True))}
            entry["final_map50_95"] = t_interval([c[-1].map50_95 for c in whole], level).as_dict()
        if whole and baseline in curves and arm != baseline:
            entry["vs_baseline"] = against_baseline(whole, [curves[baseline][r] for r in done], level, resamples, seed)
        summary["arms"][arm] = entry
    summary["labels_to_reach"] = labels_to_reach_baseline(summary, baseline)
    summary["pairing"] = pairing_check(curves)
    return summary


def labels_to_reach_baseline(summary: dict, baseline: str) -> dict | None:
    """Labelled images each arm's mean curve needs to reach the baseline's final mean mAP50-95."""
    arms = summary["arms"]
    if baseline not in arms:
        return None
    first, final = arms[baseline]["curve"][0], arms[baseline]["curve"][-1]
    target, budget = final["map50_95"]["mean"], final["images"]
    if target <= first["map50_95"]["mean"]:  # every curve "reaches" it at its seed: no figure to give
        return {"target_map50_95": target, "baseline_images": budget, "arms": {}, "note": "random did not improve"}
    rows = {}
    for arm, entry in arms.items():
        xs, ys = [r["images"] for r in entry["curve"]], [r["map50_95"]["mean"] for r in entry["curve"]]
        needed = labels_to_reach_curve(xs, ys, target)
        rows[arm] = {"images": needed, "share_of_baseline": None if needed is None else needed / budget}
    return {"target_map50_95": target, "baseline_images": budget, "arms": rows}


def pairing_check(curves: dict[str, dict[int, list[CurvePoint]]]) -> dict:
    """Per repeat: did every arm start from the same seed set and seed weights (by hash)? Seeds differ by repeat?"""
    repeats: dict[int, dict] = {}
    for number in sorted({r for arm in curves.values() for r in arm}):
        held = {arm: c[number] for arm, c in curves.items() if number in c}
        starts = {arm: (curve[0], curve[1] if len(curve) > 1 else None) for arm, curve in held.items()}
        seed_sets = {seed.labelled_sha256 for seed, _ in starts.values()}
        seed_models = {seed.weights_sha256 for seed, _ in starts.values()}
        started_from = {first.start_weights_sha256 for _, first in starts.values() if first is not None}
        paired = len(seed_sets) == 1 and len(seed_models) == 1 and started_from <= seed_models
        repeats[number] = {"seed_set": sorted(seed_sets), "seed_weights": sorted(seed_models), "paired": paired}
    distinct = len({tuple(r["seed_set"]) for r in repeats.values()}) == len(repeats)
    return {"repeats": repeats, "all_paired": all(r["paired"] for r in repeats.values()), "seed_sets_differ": distinct}


CURVES = "curves"
FIELDS = ("round", "images", "map50_95", "low", "high")


def _four(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)  # no interval from a single repeat: an empty cell


def _rows(curve: list[dict]) -> list[dict]:
    return [
        {
            "round": row["round"],
            "images": round(row["images"], 1),
            **{
                key: _four(row["map50_95"][name])
                for key, name in (("map50_95", "mean"), ("low", "low"), ("high", "high"))
            },
        }
        for row in curve
    ]


def write_curve_csv(path: Path, curve: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, FIELDS)
        writer.writeheader()
        writer.writerows(_rows(curve))


def write_curve_plots(summary: dict, dest: Path, title: str) -> Path:
    """dest/curves/<arm>.csv for every arm and dest/dvc.yaml defining their plot; returns the dvc.yaml."""
    arms = summary["arms"]
    for arm, entry in arms.items():
        write_curve_csv(dest / CURVES / f"{arm}.csv", entry["curve"])
    plot = {
        "title": title,
        "x": "images",
        "y": {f"{CURVES}/{arm}.csv": "map50_95" for arm in arms},
        "x_label": "labelled images",
        "y_label": "test mAP50-95, mean over repeats",
    }
    header = f"# Written by the study that wrote {dest.name}/report.json: the plot of its learning curves.\n"
    definition = yaml.safe_dump({"plots": [{f"learning curve ({dest.name})": plot}]}, sort_keys=False)
    return write_text_atomic(dest / "dvc.yaml", header + definition)


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
