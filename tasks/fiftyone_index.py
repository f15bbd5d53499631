"""The FiftyOne index: a persistent dataset rebuilt from files, never the source of truth.

Everything in it comes from files, so deleting the database loses nothing and a rebuild gives
the same samples, tags and scores:
- samples and ground truth: data/prepared (train/val/test splits) and data/pool/images;
- predictions and scores: reports/mine/predictions.json and reports/mine/scores.json;
- tags: `relabel-round-N` from data/relabel/round-N/manifest.json, `labelled-round-N` from
  data/labels/round-N/manifest.json, plus the split name.
Evaluation (TP/FP/FN), mistakenness and the saved views are computed again on each build,
from the same inputs, with the same results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from tasks.datasets import PreparedDataset
from tasks.yolo_files import label_path, list_images, read_labels


class _LenientMetadata(dict):
    def __missing__(self, key: str) -> None:
        return None


def load_fiftyone():
    """Import FiftyOne, whatever imported it first.

    Its dependency eta reads `importlib.metadata.metadata("voxel51-eta")["author"]`; once MLflow has
    loaded the `importlib_metadata` backport, that lookup goes through the backport, whose metadata
    raises KeyError for a field the wheel lacks (it has Author-email only). Only that one lookup is
    made lenient, only while FiftyOne is first imported.
    """
    import importlib.metadata as md

    if "fiftyone" in sys.modules:
        return sys.modules["fiftyone"]
    original = md.metadata

    def lenient(name: str):
        found = original(name)
        return _LenientMetadata({k.lower(): v for k, v in found.items()}) if name in ("voxel51-eta", "eta") else found

    md.metadata = lenient
    try:
        import fiftyone
    finally:
        md.metadata = original
    isolate_database()
    return fiftyone


def isolate_database() -> None:
    """One mongod per database directory (FIFTYONE_DATABASE_DIR, under the yoloop state dir).

    FiftyOne joins any running FiftyOne mongod of the same user, whatever its directory, so two
    projects (or a test run beside a real one) would share a database. Tagging the service's
    command line with the directory makes FiftyOne join only a mongod of the same directory;
    its service entry point skips unknown `--flag value` pairs.
    """
    import fiftyone as fo
    import fiftyone.core.service as fos

    if getattr(fos.DatabaseService, "_yoloop_isolated", False):
        return
    base = fos.MultiClientService._service_args

    def service_args(self) -> list[str]:
        return [*base.fget(self), "--yoloop-database-dir", str(fo.config.database_dir)]

    fos.DatabaseService._service_args = property(service_args)
    fos.DatabaseService._yoloop_isolated = True


SCORE_FIELDS = ("least_confidence", "entropy", "consistency", "uncertainty", "uniqueness", "mining_score")


def round_tags(root: Path, prefix: str) -> dict[str, list[str]]:
    """Tag per image key from the manifests of data/relabel/round-* or data/labels/round-*."""
    tags: dict[str, list[str]] = {}
    for manifest in sorted(root.glob("round-*/manifest.json")):
        for entry in json.loads(manifest.read_text())["images"]:
            tags.setdefault(entry["image"], []).append(f"{prefix}-{manifest.parent.name}")
    return tags


def to_fo_detections(rows: list[list]):
    """[label, conf or None, x_top_left, y_top_left, w, h] (normalised) rows as fo.Detections."""
    fo = load_fiftyone()

    return fo.Detections(
        detections=[fo.Detection(label=r[0], bounding_box=list(r[2:6]), confidence=r[1]) for r in rows]
    )


def truth_rows(image: Path, names: list[str]) -> list[list]:
    return [[names[b.cls], None, b.x - b.w / 2, b.y - b.h / 2, b.w, b.h] for b in read_labels(label_path(image))]


def make_samples(sources: dict[str, Path], names: list[str], predictions: dict, scores: dict, tags: dict) -> list:
    """One fo.Sample per image of each split folder in `sources` (`pool` has no ground truth).

    `names` are the dataset's classes (label ids of the files); predictions already carry names.
    """
    fo = load_fiftyone()

    samples = []
    for split, folder in sources.items():
        for image in list_images(folder):
            key = image.as_posix()
            sample = fo.Sample(filepath=str(image.resolve()), key=key, split=split, tags=[split, *tags.get(key, [])])
            if split != "pool":
                sample["ground_truth"] = to_fo_detections(truth_rows(image, names))
            sample["predictions"] = to_fo_detections(predictions.get(key, []))
            for field in SCORE_FIELDS:
                if field in scores.get(key, {}):
                    sample[field] = scores[key][field]
            samples.append(sample)
    return samples


def build_index(name: str, dataset: PreparedDataset, pool: Path, reports: Path, relabel: Path, labels: Path):
    """(Re)create the persistent dataset `name` from files, then evaluate it and save the views."""
    fo = load_fiftyone()

    predictions = json.loads((reports / "predictions.json").read_text())
    scores = json.loads((reports / "scores.json").read_text())
    tags = round_tags(relabel, "relabel")
    for key, extra in round_tags(labels, "labelled").items():
        tags.setdefault(key, []).extend(extra)
    sources = {**dataset.split_dirs(), "pool": pool / "images"}
    index = fo.Dataset(name, overwrite=True, persistent=True)
    index.add_samples(
        make_samples(sources, dataset.names, predictions["images"], scores["images"], tags), progress=False
    )
    index.info = {"model": predictions["model"], "names": predictions["names"]}
    index.save()
    return index


def analyse(index, low_confidence: float) -> dict[str, int]:
    """Per-sample TP/FP/FN, mistakenness on the labelled splits, and the saved views; sizes of the views."""
    load_fiftyone()
    import fiftyone.brain as fob
    from fiftyone import ViewField as F

    labelled = index.match(F("split") != "pool")
    if len(labelled):
        labelled.evaluate_detections("predictions", gt_field="ground_truth", eval_key="eval", progress=False)
        fob.compute_mistakenness(labelled, "predictions", label_field="ground_truth", progress=False)
        views = {
            "false_positives": labelled.filter_labels("predictions", F("eval") == "fp"),
            "missed_objects": labelled.filter_labels("ground_truth", F("eval") == "fn"),
            "possible_label_mistakes": labelled.match(
                (F("mistakenness") >= 0.5) | (F("possible_missing") > 0) | (F("possible_spurious") > 0)
            ).sort_by("mistakenness", reverse=True),
        }
    else:
        views = {}
    views["low_confidence"] = index.filter_labels("predictions", F("confidence") < low_confidence)
    views["hardest_pool"] = index.match(F("split") == "pool").sort_by("mining_score", reverse=True)
    for tag in sorted(t for t in index.distinct("tags") if t.startswith(("relabel-", "labelled-"))):
        views[tag] = index.match_tags(tag)
    for view_name, view in views.items():
        index.save_view(view_name, view, overwrite=True)
    return {view_name: len(view) for view_name, view in views.items()}


def uniqueness(keys: list[str], embeddings: np.ndarray) -> dict[str, float]:
    """FiftyOne brain's uniqueness of each image among `keys`, from the given (backbone) embeddings."""
    fo = load_fiftyone()
    import fiftyone.brain as fob

    if len(keys) < 2:
        return dict.fromkeys(keys, 1.0)
    scratch = fo.Dataset()
    try:
        ids = scratch.add_samples([fo.Sample(filepath=str(Path(k).resolve()), key=k) for k in keys], progress=False)
        fob.compute_uniqueness(scratch, embeddings=embeddings, progress=False)
        by_id = dict(zip(scratch.values("id"), scratch.values("uniqueness"), strict=True))
        return {k: float(by_id[i]) for k, i in zip(keys, ids, strict=True)}
    finally:
        scratch.delete()
