"""From scores to reasons: which boxes are suspect, why (in a labeller's words), and how strongly.

Each labelled box is judged by the first rule that holds, with the model's own evidence
(predictions at or above `confident`; IoU at or above `match_iou` means the same object):
- wrong class: a prediction of another class sits on the box, more confident than any of its own class;
  score = that confidence x (1 - cleanlab swap score);
- box misplaced: no prediction of its class sits on it, but one overlaps it at a lower IoU (and is
  not on another box of that class); score = its confidence x (1 - cleanlab badloc score);
- spurious box: no confident prediction of any class sits on it; score = the model's recall of that
  class over the whole set (it finds most such boxes elsewhere) x (1 - the best overlap it does see).
Each confident prediction that overlaps no labelled box (cleanlab's overlooked score is defined) is
an object missing; score = its confidence x (1 - overlooked score). Two such predictions on one
object count once. Scores are in [0, 1]; a box scoring 0 (no evidence: e.g. a class the model finds
nowhere) is no suspect.

The four scores are not on one scale (cleanlab's are similarities, the spurious one is ours, and
how often each kind of evidence turns up differs by detector and data), so the ranking takes the
reasons in turn: the strongest suspect of each reason, then the second of each, and so on (within
a round, by score). A suspect's `priority` is 1 - (its place in that ranking) / (number of
suspects), in (0, 1]; an image's audit score is its best suspect's priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tasks.audit.boxes import AuditImage, Corners, iou_matrix
from tasks.audit.scores import CleanlabScores
from tasks.core import AuditParams

KINDS = {
    "wrong_class": "wrong class",
    "misplaced": "box misplaced",
    "missing": "object missing",
    "spurious": "spurious box",
}


@dataclass
class Suspect:
    """A box a labeller should look at: a labelled one (`box` is its line in the label file) or a missing one."""

    image: str
    kind: str  # a key of KINDS
    box: int | None  # the labelled box's line in its label file; None: an object the labels miss (the model's box)
    cls: int  # the labelled class (missing: the predicted one)
    xyxy: Corners
    score: float
    reason: str
    evidence: dict = field(default_factory=dict)
    priority: float = 0.0  # from the ranking that takes the reasons in turn (module docstring)


def class_recall(images: list[AuditImage], params: AuditParams, classes: int) -> dict[int, float]:
    """Per class: the share of its labelled boxes on which a confident prediction of that class sits."""
    found, total = np.zeros(classes), np.zeros(classes)
    for image in images:
        ious = iou_matrix([b.xyxy for b in image.truth], [p.xyxy for p in image.predictions])
        for i, box in enumerate(image.truth):
            total[box.cls] += 1
            found[box.cls] += any(
                p.cls == box.cls and p.conf >= params.confident and ious[i, j] >= params.match_iou
                for j, p in enumerate(image.predictions)
            )
    return {c: float(found[c] / total[c]) if total[c] else 0.0 for c in range(classes)}


def _safe(value: float) -> float:
    return 1.0 if np.isnan(value) else float(value)


@dataclass
class BoxContext:
    """What judging one labelled box needs: the image, the box's index, IoUs with every prediction, scores."""

    image: AuditImage
    index: int
    ious: np.ndarray
    scores: CleanlabScores
    names: list[str]
    params: AuditParams

    @property
    def box(self):
        return self.image.truth[self.index]

    def confident(self) -> list[int]:
        return [j for j, p in enumerate(self.image.predictions) if p.conf >= self.params.confident]

    def on_box(self) -> list[int]:
        return [j for j in self.confident() if self.ious[self.index, j] >= self.params.match_iou]

    def suspect(self, kind: str, score: float, reason: str, **evidence) -> Suspect:
        box = self.box
        line = box.line if box.line >= 0 else self.index
        return Suspect(self.image.key, kind, line, box.cls, box.xyxy, round(float(score), 6), reason, evidence)


def wrong_class(ctx: BoxContext) -> Suspect | None:
    preds, box, i = ctx.image.predictions, ctx.box, ctx.index
    own = max((preds[j].conf for j in ctx.on_box() if preds[j].cls == box.cls), default=0.0)
    others = [j for j in ctx.on_box() if preds[j].cls != box.cls and preds[j].conf > own]
    if not others:
        return None
    j = max(others, key=lambda j: preds[j].conf)
    seen, conf = ctx.names[preds[j].cls], preds[j].conf
    overlap = float(ctx.ious[i, j])
    text = f"wrong class: labelled {ctx.names[box.cls]}, the model sees {seen} here ({conf:.2f}, IoU {overlap:.2f})"
    return ctx.suspect("wrong_class", conf * (1 - _safe(ctx.scores.swap[i])), text, predicted=seen, conf=float(conf))


def misplaced(ctx: BoxContext) -> Suspect | None:
    preds, box, i = ctx.image.predictions, ctx.box, ctx.index
    taken = _claimed_by_other_boxes(ctx.image, i, ctx.ious, ctx.params)
    near = [j for j in ctx.confident() if preds[j].cls == box.cls and ctx.ious[i, j] > 0 and j not in taken]
    if not near:
        return None
    j = max(near, key=lambda j: preds[j].conf * ctx.ious[i, j])
    conf, overlap = preds[j].conf, float(ctx.ious[i, j])
    text = f"box misplaced: the model puts this {ctx.names[box.cls]} ({conf:.2f}) at IoU {overlap:.2f} with the box"
    score = conf * (1 - _safe(ctx.scores.badloc[i]))
    return ctx.suspect("misplaced", score, text, conf=float(conf), iou=round(overlap, 4))


def spurious(ctx: BoxContext, recall: dict[int, float]) -> Suspect:
    preds, i, th = ctx.image.predictions, ctx.index, ctx.params.match_iou
    support = float(max((p.conf * min(1.0, ctx.ious[i, j] / th) for j, p in enumerate(preds)), default=0.0))
    share = recall[ctx.box.cls]
    text = f"spurious box: the model finds {share:.0%} of {ctx.names[ctx.box.cls]} boxes elsewhere, nothing here"
    return ctx.suspect("spurious", share * (1 - support), text, recall=round(share, 4), support=round(support, 4))


def judge_box(ctx: BoxContext, recall: dict[int, float]) -> Suspect | None:
    """The suspect this labelled box makes (the rules of the module docstring, in order), or None."""
    found = wrong_class(ctx)
    if found:
        return found
    preds = ctx.image.predictions
    if any(preds[j].cls == ctx.box.cls for j in ctx.on_box()):
        return None  # its own class sits on it: in place
    found = misplaced(ctx)
    if found:
        return found
    return None if ctx.on_box() else spurious(ctx, recall)


def _claimed_by_other_boxes(image: AuditImage, i: int, ious: np.ndarray, params: AuditParams) -> set[int]:
    """Predictions that sit on another labelled box of the same class: evidence for that box, not this one."""
    cls = image.truth[i].cls
    return {
        j
        for k, other in enumerate(image.truth)
        if k != i and other.cls == cls
        for j in range(len(image.predictions))
        if ious[k, j] >= params.match_iou
    }


def missing_objects(image: AuditImage, scores: CleanlabScores, names: list[str], params: AuditParams) -> list[Suspect]:
    """Confident predictions on no labelled box, the most confident first; one per object."""
    candidates = [
        j for j, p in enumerate(image.predictions) if p.conf >= params.confident and not np.isnan(scores.overlooked[j])
    ]
    candidates.sort(key=lambda j: -image.predictions[j].conf)
    kept: list[int] = []
    for j in candidates:
        boxes = [image.predictions[k].xyxy for k in kept]
        if not kept or iou_matrix([image.predictions[j].xyxy], boxes).max() < params.match_iou:
            kept.append(j)
    suspects = []
    for j in kept:
        p = image.predictions[j]
        text = f"object missing: the model finds a {names[p.cls]} ({p.conf:.2f}) where no box is"
        score = round(float(p.conf * (1 - scores.overlooked[j])), 6)
        suspects.append(Suspect(image.key, "missing", None, p.cls, p.xyxy, score, text, {"conf": p.conf}))
    return suspects


def prioritise(suspects: list[Suspect]) -> None:
    """Set each suspect's priority: the reasons taken in turn, each reason's suspects strongest first."""
    by_kind: dict[str, list[Suspect]] = {}
    for suspect in sorted(suspects, key=lambda s: (-s.score, s.image, s.box if s.box is not None else -1)):
        by_kind.setdefault(suspect.kind, []).append(suspect)
    ranked: list[Suspect] = []
    for place in range(max((len(group) for group in by_kind.values()), default=0)):
        ranked += sorted((g[place] for g in by_kind.values() if place < len(g)), key=lambda s: -s.score)
    for position, suspect in enumerate(ranked):
        suspect.priority = round(1 - position / len(ranked), 6)


def explain(images: list[AuditImage], scores: list[CleanlabScores], names: list[str], params: AuditParams):
    """Per image, its suspects, the highest priority first."""
    recall = class_recall(images, params, len(names))
    result = []
    for image, image_scores in zip(images, scores, strict=True):
        ious = iou_matrix([b.xyxy for b in image.truth], [p.xyxy for p in image.predictions])
        contexts = [BoxContext(image, i, ious, image_scores, names, params) for i in range(len(image.truth))]
        found = [judge_box(ctx, recall) for ctx in contexts]
        result.append([s for s in found + missing_objects(image, image_scores, names, params) if s and s.score > 0])
    prioritise([s for suspects in result for s in suspects])
    return [sorted(suspects, key=lambda s: -s.priority) for suspects in result]
