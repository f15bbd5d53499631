"""Label efficiency of the loop's arms over repeats: curves with intervals, AULC, paired differences.

Every number comes from the points the loop wrote (tasks/loop/rounds.py), through the pure
functions of tasks/loop/stats.py:
- per arm and round: mean test mAP50-95 over repeats and its t interval;
- per arm: AULC (normalised trapezoid over labelled images) per repeat, its mean and interval;
- per arm against the baseline (`random`): the paired difference per repeat (same seed set, same
  seed model) of AULC, of the final mAP and of each round's mAP, with bootstrap intervals;
- per arm: the labelled images its mean curve needs to reach the baseline's final mean mAP.
Repeats that have not finished every round yet (a report written mid-run) count in the per-round
bands but not in AULC or the differences, which need whole curves.
"""

from __future__ import annotations

from collections import defaultdict

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
