"""`prepare` with `source: datasets`: the merged imported datasets in the prepared layout.

The prepared layout is the built-in one (base/, new/, test/; see tasks/core/prepared.py),
so train and evaluate do not know where the data came from: an image with a box of
a `new` class goes to new/, any other to base/, and the test split to test/.
`left_out.json` beside them lists every copy of a picture the merge left out, and why
(duplicates, leaks); the economics report says which.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tasks.core import LEFT_OUT, Finding, ImportParams, PrepareParams, label_path, summarize, write_json, write_labels
from tasks.prepare.merge import MergedImage, left_out_table, merge_datasets
from tasks.prepare.pool import fill_pool, withhold, write_oracle


def prepared_path(image: MergedImage, new_ids: set[int]) -> Path:
    """Relative path of the image in the prepared folder; file names carry the dataset's name."""
    name = f"{image.dataset}__{Path(image.rel).name}"
    if image.split == "test":
        return Path("test/images") / name
    part = "new" if any(label.cls in new_ids for label in image.labels) else "base"
    return Path(part) / "images" / image.split / name


def write_prepared(images: list[MergedImage], new_ids: set[int], prepared: Path) -> None:
    for image in images:
        target = prepared / prepared_path(image, new_ids)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image.file, target)
        write_labels(label_path(target), image.labels)


def prepare_from_datasets(
    section: PrepareParams,
    checks: ImportParams,
    prepared: Path,
    raw: Path,
    pool: Path,
    oracle: Path,
) -> list[Finding]:
    """Merge, dedupe, split and leak-check the datasets `section` names, then write them under `prepared`;
    the pool (prepare.pool or prepare.oracle, see tasks/prepare/pool.py) under `pool` and `oracle`."""
    names = section.classes.all
    images, findings = merge_datasets(raw, section.datasets, names, section.resplit, section.seed, checks)
    new_ids = {names.index(n) for n in section.classes.new}
    if section.oracle is not None:
        images, withheld, note = withhold(images, section.oracle, section.seed)
        write_oracle(withheld, lambda image: prepared_path(image, new_ids).name, pool, oracle)
        findings.append(note)
    write_prepared(images, new_ids, prepared)
    write_json(prepared / LEFT_OUT, left_out_table(images, section.resplit is not None))
    if section.pool:
        labelled = {image.sha256: image.where for image in images}
        count, found = fill_pool(raw, section.pool, labelled, pool)
        findings += [*found, Finding("params.yaml", None, f"prepare.pool: {count} pictures in the pool", "note")]
    for split in ("train", "val", "test"):
        if not any(i.split == split for i in images):
            findings.append(
                Finding("params.yaml", None, f"prepare: no {split} images (set prepare.resplit?)", "warning")
            )
    (prepared / "report.txt").write_text(
        summarize(findings, "prepare: merge of " + ", ".join(d.name for d in section.datasets), "metrics/prepare.json")
        + "\n"
    )
    return findings
