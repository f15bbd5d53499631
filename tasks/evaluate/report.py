"""The evaluate stage's answer in words: is the new model better than production, and what changed?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.core import EvaluateParams, Layout, details_file, evaluation_headline, write_json, write_text_atomic
from tasks.evaluate.validate import PLOT_FILES


def decision_lines(decision: dict[str, Any], registry: dict[str, Any]) -> list[str]:
    if not decision["promote"]:
        verdict = "NOT promoted (registered as challenger)"
    elif registry["champion_before"] is not None and registry["champion_before"] == registry["version"]:
        verdict = "already the champion; nothing to promote"
    else:
        verdict = "PROMOTED to champion"
    lines = [f"**Decision: {verdict}.**", ""]
    lines += [f"- {reason}" for reason in decision["reasons"]]
    change = "changed" if registry["changed"] else "unchanged"
    lines += [
        "",
        f"Registry {change}: champion was version {registry['champion_before']}, "
        f"is now version {registry['champion_after']} (evaluated version {registry['version']}).",
    ]
    return lines


def write_decision(folder: Path, decision: dict[str, Any], registry: dict[str, Any], rule: dict) -> list[Path]:
    """decision.json (machine-readable) and decision.md (the same in words)."""
    write_json(folder / "decision.json", {**decision, "rule": rule, "registry": registry})
    text = "\n".join(["# Promotion decision", "", *decision_lines(decision, registry), ""])
    return [folder / "decision.json", write_text_atomic(folder / "decision.md", text)]


def _comparison_lines(c: dict[str, Any]) -> list[str]:
    m, ci = c["map50_95"], c["interval"]
    better = "better than" if ci["low"] > 0 else "worse than" if ci["high"] < 0 else "not distinguishable from"
    lines = [
        f"## Against production (champion, version {c['old_version']})",
        "",
        f"The new model is **{better}** the champion on this test set: mAP50-95 {m['new']:.4f} vs {m['old']:.4f}, "
        f"a difference of {m['diff']:+.4f} (mAP50 {c['map50']['diff']:+.4f}).",
        f"{ci['level']:.0%} bootstrap interval over test images ({ci['resamples']} resamples): "
        f"[{ci['low']:+.4f}, {ci['high']:+.4f}].",
        f"Relative error reduction ((1-old)-(1-new))/(1-old): {c['relative_error_reduction']:+.1%}.",
        f"Speed on {c['device']}: {c['latency_ms']['new']:.2f} ms/image vs {c['latency_ms']['old']:.2f} "
        f"(ratio {c['latency_ratio']:.2f}; batch 1, pre-process + inference + post-process, "
        "median of rounds timed in alternation).",
        "",
        "| class | new AP50-95 | champion AP50-95 | difference |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n} | {r['new']:.4f} | {r['old']:.4f} | {r['diff']:+.4f} |" for n, r in c["per_class"].items()]
    return [*lines, ""]


def _model_lines(r: dict[str, Any]) -> list[str]:
    op = r["operating_point"]
    lines = [
        f"## The new model (version {r['model_version']})",
        "",
        f"Test split: {r['images']} images, {r['instances']} boxes. mAP50 {r['map50']:.4f}, "
        f"mAP50-95 {r['map50_95']:.4f}, precision {r['precision']:.4f}, recall {r['recall']:.4f}.",
        f"At the operating confidence {op['conf']} (IoU 0.5): TP {op['tp']}, FP {op['fp']}, FN {op['fn']} "
        "(per image in metrics/evaluate_images.json).",
        f"Size: {r['size']['parameters']:,} parameters, {r['size']['gflops']} GFLOPs at {r['size']['imgsz']} px, "
        f"{r['size']['file_bytes'] / 1e6:.1f} MB.",
        "",
        f"| batch | pre-process ms | inference ms | post-process ms | total ms/image ({r['speed']['device']}) |",
        "|---|---|---|---|---|",
    ]
    for batch, s in r["speed"]["batch"].items():
        lines.append(
            f"| {batch} | {s['preprocess']:.2f} | {s['inference']:.2f} | {s['postprocess']:.2f} | {s['total']:.2f} |"
        )
    lines += ["", "| class | instances | AP50 | AP50-95 |", "|---|---|---|---|"]
    lines += [f"| {n} | {c['instances']} | {c['ap50']:.4f} | {c['ap50_95']:.4f} |" for n, c in r["per_class"].items()]
    return [*lines, ""]


def _export_lines(export: dict[str, Any]) -> list[str]:
    lines = ["## Exported model", ""]
    for name, row in export["variants"].items():
        lines.append(
            f"- {name}: mAP50-95 {row['map50_95']:.4f} (cost {row['map50_95_cost']:+.4f}), "
            f"{row['file_bytes'] / 1e6:.1f} MB, export {row['export_s']} s"
        )
    scored = {row["scored_on"]["why"]: row["scored_on"] for row in export["variants"].values() if "scored_on" in row}
    lines += [f"- scored by ONNX Runtime on {on['device']} ({on['provider']}): {why}" for why, on in scored.items()]
    lines += [f"- {name}: skipped, {why}" for name, why in export["skipped"].items()]
    return [*lines, ""]


def write_report(
    path: Path, result: dict[str, Any], comparison: dict[str, Any] | None, decision: dict, registry: dict
) -> Path:
    """reports/evaluate/report.md: the verdict first, then the evidence."""
    lines = ["# Evaluation report", "", *decision_lines(decision, registry), ""]
    if comparison:
        lines += _comparison_lines(comparison)
    elif decision.get("first_model"):
        lines += ["No model held `champion` before: this one becomes the first champion, nothing to compare.", ""]
    lines += _model_lines(result) + _export_lines(result["export"])
    return write_text_atomic(path, "\n".join(lines))


def write_evaluation(
    layout: Layout, section: EvaluateParams, result: dict, comparison: dict | None, decision: dict, registry: dict
) -> list[Path]:
    """metrics/evaluate.json (the headline: a DVC metric), metrics/evaluate_details.json, metrics/compare.json
    and reports/evaluate/*; every file to keep as an artifact."""
    out, details = layout.reports / "evaluate", details_file(layout.metrics, "evaluate")
    write_json(details, result)
    write_json(layout.metrics / "evaluate.json", evaluation_headline(result, decision, registry))
    write_json(layout.metrics / "compare.json", comparison or {"champion": registry["champion_before"]})
    files = write_decision(out, decision, registry, section.promotion.model_dump())
    files.append(write_report(out / "report.md", result, comparison, decision, registry))
    plots = [out / name for name in PLOT_FILES if (out / name).exists()]
    written = [layout.metrics / "evaluate.json", details, layout.metrics / "compare.json", out / "pr_curve.csv"]
    return [*written, *plots, *files]
