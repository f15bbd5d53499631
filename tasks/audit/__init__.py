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
- report.py     reports/audit (images.json, boxes.json, predictions.json, report.md) and reading it back;
- index.py      what the audit adds to the FiftyOne index and the `possible_label_mistakes` view;
- relabel.py    the audit's share of a relabel batch, and how its suspect boxes are marked in CVAT / Label Studio.

Imports tasks.core (params, paths, the prepared dataset, YOLO files), tasks.train.fit (the fold models
train exactly as the train stage does), tasks.mine.fiftyone_setup (FiftyOne, connected as yoloop needs),
and the libraries cleanlab, fiftyone(-brain) and ultralytics; never a flow. relabel.py also uses
tasks.mine.relabel_export (the Label Studio task format). tasks.mine imports index.py, relabel.py and
report.py from here, only to add what the audit found to the index and the relabel batch; tasks.prepare
reads the `source: audit` of returned manifests (no import).
"""
