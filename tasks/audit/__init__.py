"""The label audit: find boxes that are probably wrong, and say why in words a labeller understands.

Owns:
- folds.py      the K-fold split of the labelled train images (stratified by class, seeded);
- oof.py        out-of-fold predictions: K detectors, each trained on the other folds, predict the held-out one;
- boxes.py      boxes and predictions in pixels, IoU, and the label files read as such;
- scores.py     cleanlab's object-detection scores (per box: swap, badly located, overlooked; per image:
                label quality and find_label_issues);
- mistakenness.py  FiftyOne brain's mistakenness (per box, possible missing / spurious) on the same predictions;
- reasons.py    the rules that turn those scores into a reason per suspect box (wrong class, box misplaced,
                object missing, spurious box) and one ranking score;
- label_issues.py  the audit of a set of predicted images: scores, then reasons (what the stage and the
                benchmark call);
- report.py     reports/audit (images.json, boxes.json, predictions.json, report.md), metrics/audit.json,
                and reading the report back.

Imports core/ (params, paths, the prepared dataset, YOLO files, FiftyOne's connection) and train/ (the fold
models train exactly as the train stage does), besides the libraries cleanlab, fiftyone(-brain) and
ultralytics; never a flow. index/ reads what the audit found into the FiftyOne index, mine/ takes its share
of the relabel batch (tasks/mine/audit_share.py); prepare/ reads the `source: audit` of returned manifests
(no import).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "folds": ["assign_folds"],
        "label_issues": ["find_label_issues"],
        "oof": ["audited_images", "fold_arguments", "load_audit_images", "train_and_predict", "validation_images"],
        "report": ["AuditReport", "read_audit", "write_audit_summary"],
    },
)
