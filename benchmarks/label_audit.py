"""Label audit on real data with planted errors: does it find them, and better than FiftyOne mistakenness alone?

A real labelled set (../shared/datasets: neu-det, playing-cards) is copied to a temporary folder;
`--rate` of its boxes (5% by default) are made wrong, a quarter of each kind: class flipped, box
shifted to IoU < 0.3 with where it was, box deleted, spurious box added. The audit runs as the
stage does (K fold models trained from scratch with the same settings, out-of-fold predictions,
cleanlab + FiftyOne scores, reasons). In the same run each fold model also predicts the next
fold, which it trained on: in-sample predictions, for FiftyOne mistakenness alone (what the
`possible_label_mistakes` view showed before the audit, from the same kind of model at no extra
training). The script prints precision and recall of the planted errors in the top
1%, 5% and 10% of each ranking's flagged boxes, per kind: audit, mistakenness on the out-of-fold
predictions, mistakenness in-sample, and a random ranking.
Goal (issue 16): recall in the top 10% >= 0.6 on neu-det, at least twice in-sample mistakenness's.

A flag is a labelled box (image, line) or a predicted box where the labels have none. A planted
flip, shift or spurious box is found by a flag on its line; a deleted box by a flag of a predicted
box on that image at IoU >= 0.5 with the box that was deleted. The top x% of a ranking are its
first ceil(x * labelled boxes) flags (fewer when it flags fewer).

`--simulate` checks the scoring and the reasons without training: a model that generalises predicts
the objects that are really there (the clean labels, before planting); a model that memorised its
training labels predicts those labels, errors included (the planted labels). Both are simulated the
same way from real box geometry: each box found with probability 0.9, its corners jittered by a few
percent of its size, its class kept with probability 0.97, a confidence in [0.55, 0.95]; plus false
positives (5% of the boxes) at confidence in [0.05, 0.6]. The sets and the planted errors are
benchmarks/label_audit_data.py's.

    python -m benchmarks.label_audit [--dataset neu-det|playing-cards] [--profile smoke|cpu|gpu] [--rate 0.05]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.common import real_datasets_or_exit
from tasks.audit.boxes import AuditImage, Box, Corners, Prediction, iou_matrix
from tasks.audit.label_issues import AuditFindings
from tasks.audit.mistakenness import Mistakenness
from tasks.core import Layout

RIGHT_REASON = {"flip": "wrong_class", "shift": "misplaced", "delete": "missing", "spurious": "spurious"}


@dataclass(frozen=True)
class Flag:
    image: str
    line: int | None  # a labelled box; None: a predicted box where no label is
    xyxy: Corners | None
    score: float
    kind: str | None = None  # the audit's reason; None for the baselines


@dataclass(frozen=True)
class Target:
    """A planted error as the evaluation sees it: image key, line (flip, shift, spurious) or the deleted box."""

    kind: str
    image: str
    line: int | None
    removed: Corners | None


def audit_flags(findings: AuditFindings) -> list[Flag]:
    flags = [
        Flag(s.image, s.box, s.xyxy if s.box is None else None, s.priority, s.kind)
        for suspects in findings.suspects
        for s in suspects
    ]
    return sorted(flags, key=lambda f: -f.score)  # the audit's own ranking (priority)


def mistakenness_flags(images: list[AuditImage], mistakes: list[Mistakenness], seed: int) -> list[Flag]:
    """FiftyOne's own ranking: a matched box by max(class, location) mistakenness, an unmatched one
    (possible spurious) at 1, a possible missing prediction at its confidence; ties in a seeded order."""
    flags = []
    for image, m in zip(images, mistakes, strict=True):
        for b, box in enumerate(image.truth):
            if m.box_class[b] is not None:
                flags.append(Flag(image.key, box.line, None, max(m.box_class[b], m.box_location[b] or 0.0)))
            elif m.box_spurious[b]:
                flags.append(Flag(image.key, box.line, None, 1.0))
        for p, missing in zip(image.predictions, m.prediction_missing, strict=True):
            if missing:
                flags.append(Flag(image.key, None, p.xyxy, p.conf))
    rng = random.Random(f"mistakenness-ties-{seed}")  # not the planting's stream (same seed, same shuffles)
    order = {id(f): rng.random() for f in flags}
    return sorted(flags, key=lambda f: (-f.score, order[id(f)]))


def random_flags(images: list[AuditImage], findings: AuditFindings, seed: int) -> list[Flag]:
    """Every labelled box and every box the audit says is missing, in a seeded random order."""
    flags = [Flag(i.key, b.line, None, 0.0) for i in images for b in i.truth]
    flags += [f for f in audit_flags(findings) if f.line is None]
    random.Random(f"random-ranking-{seed}").shuffle(flags)  # not the planting's stream
    return flags


def found_by(flag: Flag, targets: list[Target], taken: set[int]) -> int | None:
    """The index of the (not yet found) planted error this flag finds, or None."""
    for t, target in enumerate(targets):
        if t in taken or target.image != flag.image:
            continue
        if flag.line is not None and target.line == flag.line:
            return t
        if flag.line is None and target.removed and iou_matrix([flag.xyxy], [target.removed])[0, 0] >= 0.5:
            return t
    return None


def evaluate(flags: list[Flag], targets: list[Target], boxes: int, share: float) -> dict:
    """Precision and recall (overall and per kind) of the planted errors in the top `share` of `flags`."""
    top = flags[: math.ceil(share * boxes)]
    taken: set[int] = set()
    hits = right = 0
    for flag in top:
        t = found_by(flag, targets, taken)
        if t is not None:
            taken.add(t)
            hits += 1
            right += flag.kind == RIGHT_REASON[targets[t].kind]
    kinds = sorted({t.kind for t in targets})
    per_kind = {
        k: sum(1 for t in taken if targets[t].kind == k) / max(1, sum(t.kind == k for t in targets)) for k in kinds
    }
    return {
        "flags": len(top),
        "precision": hits / len(top) if top else 0.0,
        "recall": len(taken) / max(1, len(targets)),
        "right_reason": right,
        "per_kind": per_kind,
    }


def noisy(box: Box, classes: int, rng: random.Random) -> Prediction:
    x1, y1, x2, y2 = box.xyxy
    w, h = x2 - x1, y2 - y1
    corners = tuple(c + rng.gauss(0, 0.04) * s for c, s in zip((x1, y1, x2, y2), (w, h, w, h), strict=True))
    cls = box.cls if rng.random() < 0.97 else rng.choice([c for c in range(classes) if c != box.cls])
    return Prediction(cls, round(rng.uniform(0.55, 0.95), 4), corners)


def simulate(images: list[AuditImage], sources: dict[str, list[Box]], classes: int, seed: int) -> list[AuditImage]:
    """`images` with predictions simulated from `sources` (per image key: the boxes really predicted from)."""
    rng = random.Random(f"simulated-{seed}")
    result = []
    for image in images:
        found = [noisy(b, classes, rng) for b in sources[image.key] if rng.random() < 0.9]
        for _ in range(sum(rng.random() < 0.05 for _ in sources[image.key])):
            w, h = rng.uniform(0.1, 0.4) * image.width, rng.uniform(0.1, 0.4) * image.height
            x, y = rng.uniform(0, image.width - w), rng.uniform(0, image.height - h)
            found.append(Prediction(rng.randrange(classes), round(rng.uniform(0.05, 0.6), 4), (x, y, x + w, y + h)))
        result.append(replace(image, predictions=found))
    return result


# images: audited images (None: all); the rest are the train settings of the fold models.
# Cost: images x (folds - 1) x epochs image-epochs; the smoke run measured ~15 per second at 96 px on the shared
# 2-core box (load ~8), so cpu (1770 x 2 x 10 = 35,400) takes ~40 min there, less on a quiet machine.
PROFILES = {
    "smoke": {"images": 90, "folds": 3, "epochs": 3, "imgsz": 96, "batch": 16, "workers": 0, "device": "cpu"},
    "cpu": {"images": None, "folds": 3, "epochs": 10, "imgsz": 96, "batch": 16, "workers": 2, "device": "cpu"},
    "gpu": {"images": None, "folds": 5, "epochs": 80, "imgsz": 224, "batch": 64, "workers": 8, "device": "0"},
}
SHARES = (0.01, 0.05, 0.10)


def bench_params(work: Path, profile: dict, seed: int):
    from tasks.core import load_params
    from testkit.profiles import write_params

    train = {k: profile[k] for k in ("epochs", "imgsz", "batch", "workers")}
    overrides = {
        "project": {"device": profile["device"], "seed": seed},
        "train": {**train, "model": "yolov8n.yaml", "ultralytics": {"plots": False}},
        "audit": {"folds": profile["folds"], "data": "base"},
    }
    return load_params(write_params(work / "params.yaml", overrides))


def deleted_corners(planted, items) -> tuple[float, float, float, float] | None:
    """A deleted box in pixels (None for the other kinds)."""
    from PIL import Image

    if planted.removed is None:
        return None
    with Image.open(items[planted.image].image) as opened:
        return planted.removed.corners(*opened.size)


def planted_set(source: Path, name: str, profile: dict, rate: float, seed: int, work: Path):
    """The prepared copy with planted labels, and the planted errors as evaluation targets."""
    from benchmarks.label_audit_data import plant_errors, read_dataset, write_prepared

    names, items, val = read_dataset(source, name, work)
    if profile["images"] and profile["images"] < len(items):
        items = sorted(random.Random(seed).sample(items, profile["images"]), key=lambda i: i.image.name)
    labels, planted = plant_errors(items, rate, seed)
    dataset = write_prepared(work / "prepared", names, list(zip(items, labels, strict=True)), val)
    root, layout = dataset.root / "base" / "images" / "train", Layout(work)  # keys as the audit names images
    targets = [
        Target(p.kind, layout.key(root / items[p.image].image.name), p.line, deleted_corners(p, items)) for p in planted
    ]
    clean = {layout.key(root / item.image.name): item for item in items}
    return dataset, names, targets, clean


def clean_boxes(images, clean: dict) -> dict:
    """Per image key, its boxes before planting (in pixels): what a model that generalises would see."""
    from tasks.audit.boxes import Box

    return {i.key: [Box(b.cls, b.corners(i.width, i.height)) for b in clean[i.key].labels] for i in images}


def fold_predictions(fold, images, folds, validation, names, params, args, work: Path):
    """One fold model's predictions of its held-out fold (out-of-fold) and of the next fold, which it trained
    on (in-sample: what FiftyOne mistakenness saw before the audit, from the same kind of model)."""
    from tasks.audit.oof import predict, train_fold_model

    weights = train_fold_model(fold, images, folds, validation, names, names, params, args, work, work / "runs")
    seen_fold = (fold + 1) % params.audit.folds
    chosen = {
        "oof": [i for i in images if folds[i.key] == fold],
        "in": [i for i in images if folds[i.key] == seen_fold],
    }
    result = {}
    for which, members in chosen.items():
        found = predict(weights, [i.path for i in members], args, params.audit.conf, params.audit.iou)
        result[which] = [replace(image, predictions=p, fold=fold) for image, p in zip(members, found, strict=True)]
    return result["oof"], result["in"]


def run(options, profile: dict | None = None) -> dict:
    """The benchmark with the command line's options; `profile` (the keys of PROFILES' entries) replaces the named
    profile's settings (benchmarks/gpu_check.py passes its reduced ones)."""
    from tasks.audit import (
        assign_folds,
        audited_images,
        find_label_issues,
        fold_arguments,
        load_audit_images,
        validation_images,
    )
    from tasks.audit.mistakenness import fiftyone_mistakenness

    profile = dict(profile or PROFILES[options.profile])
    profile.update({k: getattr(options, k) for k in ("images", "epochs") if getattr(options, k, None)})
    work = Path(tempfile.mkdtemp(prefix="yoloop-bench-audit-"))
    timings, started = {}, time.perf_counter()
    dataset, names, targets, clean = planted_set(
        real_datasets_or_exit(options.datasets) / options.dataset,
        options.dataset,
        profile,
        options.rate,
        options.seed,
        work,
    )
    params = bench_params(work, profile, options.seed)
    images = load_audit_images(audited_images(dataset, "base", params.audit.folds), names, names, Layout(work))
    folds = assign_folds({i.key: [b.cls for b in i.truth] for i in images}, params.audit.folds, options.seed)
    args, validation = fold_arguments(params, profile["device"]), validation_images(dataset, "base")
    timings["setup_s"] = time.perf_counter() - started
    predicted, seen = [], []
    for fold in range(params.audit.folds if not options.simulate else 0):
        held_out, trained_on = fold_predictions(fold, images, folds, validation, names, params, args, work / "oof")
        predicted, seen = predicted + held_out, seen + trained_on
    if options.simulate:  # no training: a model that generalises (out-of-fold) and one that memorised (in-sample)
        images = [replace(i, fold=folds[i.key]) for i in images]
        predicted = simulate(images, clean_boxes(images, clean), len(names), options.seed)
        seen = simulate(images, {i.key: i.truth for i in images}, len(names), options.seed + 1)
    predicted.sort(key=lambda i: i.key)
    seen.sort(key=lambda i: i.key)
    timings["training_and_predictions_s"] = time.perf_counter() - started - timings["setup_s"]
    mark = time.perf_counter()
    findings = find_label_issues(predicted, names, params.audit)
    mistakes = fiftyone_mistakenness(seen, names)
    timings["scoring_s"] = time.perf_counter() - mark
    boxes = sum(len(i.truth) for i in images)
    rankings = {
        "audit (out-of-fold, cleanlab + reasons)": audit_flags(findings),
        "mistakenness, out-of-fold": mistakenness_flags(predicted, findings.mistakenness, options.seed),
        "mistakenness, in-sample": mistakenness_flags(seen, mistakes, options.seed),
        "random": random_flags(predicted, findings, options.seed),
    }
    results = {m: {f"{s:.0%}": evaluate(f, targets, boxes, s) for s in SHARES} for m, f in rankings.items()}
    timings["total_s"] = time.perf_counter() - started
    kinds = {k: sum(t.kind == k for t in targets) for k in ("flip", "shift", "delete", "spurious")}
    profile_name = options.profile + (" (simulated predictions)" if options.simulate else "")
    setup = {"dataset": options.dataset, "profile": profile_name, "images": len(images), "boxes": boxes}
    return {**setup, "planted": kinds, "settings": profile, "results": results, "timings": timings, "work": str(work)}


def print_report(report: dict) -> None:
    p = report["planted"]
    print(
        f"label audit: {report['dataset']}, profile {report['profile']}: {report['images']} images, "
        f"{report['boxes']} labelled boxes, planted {sum(p.values())} ({', '.join(f'{k} {v}' for k, v in p.items())}); "
        f"settings {report['settings']}"
    )
    print(f"{'ranking':42s} {'top':>4s} {'flags':>6s} {'prec':>6s} {'recall':>6s}  " + " ".join(f"{k:>8s}" for k in p))
    for method, by_share in report["results"].items():
        for share, r in by_share.items():
            kinds = " ".join(f"{r['per_kind'].get(k, 0):8.2f}" for k in p)
            print(f"{method:42s} {share:>4s} {r['flags']:6d} {r['precision']:6.2f} {r['recall']:6.2f}  {kinds}")
    audit = report["results"]["audit (out-of-fold, cleanlab + reasons)"]["10%"]
    base = report["results"]["mistakenness, in-sample"]["10%"]["recall"]
    ratio = f"{audit['recall'] / base:.2f}" if base else ("n/a" if not audit["recall"] else "inf")
    print(
        f"recall in the top 10%: audit {audit['recall']:.2f} (goal >= 0.6), in-sample mistakenness {base:.2f}, "
        f"ratio {ratio} (goal >= 2); the audit's reason was right for {audit['right_reason']} of its hits"
    )
    print(
        "timings: " + ", ".join(f"{k} {v:.0f}" for k, v in report["timings"].items()) + f"; files in {report['work']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("neu-det", "playing-cards"), default="neu-det")
    parser.add_argument("--profile", choices=tuple(PROFILES), default="cpu")
    parser.add_argument("--rate", type=float, default=0.05, help="share of the boxes made wrong (default 0.05)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", type=Path, help="the folder of real datasets (default: the one testkit finds)")
    parser.add_argument("--images", type=int, help="audited images (overrides the profile's)")
    parser.add_argument("--epochs", type=int, help="epochs of every model (overrides the profile's)")
    parser.add_argument("--simulate", action="store_true", help="no training: predictions simulated from the labels")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    report = run(options)
    print_report(report)
    if options.json:
        options.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
