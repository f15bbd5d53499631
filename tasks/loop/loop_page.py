"""reports/loop/index.html: the loop on one self-contained page (inline CSS and SVG, thumbnails as base64).

Rewritten at the end of `evaluate` and of `mine`, and by `yoloop report`. One page is one registered
model: the params' `tracking.registered_model` in reports/loop/index.html, any other in
reports/loop/<name>/index.html (`yoloop report --model NAME`); a store with several lists them all. It shows the
champion's history (every evaluation: version, mAP50-95, date, decision; every registered
version with its aliases), the labels spent per round, mAP50-95 against labelled training
images, and the current relabel batch as a contact sheet with the draft boxes drawn. It is a
view, rebuilt from MLflow and the files (tasks/loop/loop_history.py), so it is no DVC output.
"""

from __future__ import annotations

import base64
import html
import io
import re
import time
from pathlib import Path

from tasks.core import (
    Layout,
    Params,
    handed_out_batches,
    read_labels,
    read_relabel_batch,
    relabel_batch_file,
    write_text_atomic,
)
from tasks.loop import loop_history
from tasks.tracking import registered_model_names, require_registered_model

THUMB_SIDE = 192
COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"]
STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{margin:0 0 4px}h2{margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:14px}td,th{padding:4px 10px;border-bottom:1px solid #e4e4e4;text-align:left}
.muted{color:#777}.sheet{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:6px;width:192px;font-size:12px}
figure img{display:block;width:192px;height:192px;object-fit:contain;background:#333}
.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px}
"""


def _table(headers: list[str], rows: list[list], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def map_against_labels_svg(points: list[tuple[int, float]], width: int = 520, height: int = 260) -> str:
    """An inline SVG line of mAP50-95 (y) against labelled training images (x), one dot per evaluation."""
    if not points:
        return '<p class="muted">no evaluation with a label count yet</p>'
    pad = 40
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y1 = max(max(ys) * 1.1, 0.05)

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad), height - pad - y / y1 * (height - 2 * pad)

    coords = [at(x, y) for x, y in points]
    line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
    dots = "".join(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#4363d8"/>' for cx, cy in coords)
    axes = f'<path d="M{pad},{pad / 2} V{height - pad} H{width - pad / 2}" stroke="#555" fill="none"/>'
    labels = (
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle" font-size="12">labelled training images '
        f"({x0} to {x1})</text>"
        f'<text x="12" y="{height / 2}" font-size="12" transform="rotate(-90 12 {height / 2})" text-anchor="middle">'
        f"mAP50-95 (0 to {y1:.2f})</text>"
    )
    return (
        f'<svg id="map-vs-labels" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'{axes}<polyline points="{line}" fill="none" stroke="#4363d8" stroke-width="2"/>{dots}{labels}</svg>'
    )


def thumbnail(image: Path, labels: Path) -> str:
    """The image scaled to fit THUMB_SIDE with its draft boxes drawn, as a base64 PNG data URL."""
    from PIL import Image, ImageDraw

    with Image.open(image) as opened:
        picture = opened.convert("RGB")
    scale = THUMB_SIDE / max(picture.size)
    picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))))
    draw = ImageDraw.Draw(picture)
    w, h = picture.size
    for row in read_labels(labels):
        draw.rectangle(row.corners(w, h), outline=COLOURS[row.cls % len(COLOURS)], width=2)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def current_batch(round_number: int, relabel: Path) -> Path | None:
    """data/relabel/round-<mine.round>, else the newest round there is."""
    wanted = relabel / f"round-{round_number}"
    if relabel_batch_file(wanted):
        return wanted
    rounds = list(handed_out_batches(relabel))
    return rounds[-1] if rounds else None


def contact_sheet(batch: Path | None, layout: Layout) -> str:
    if batch is None:
        return '<p class="muted">no relabel batch yet (`dvc repro mine` hands one out)</p>'
    listed = read_relabel_batch(batch)
    names = listed.names
    legend = "".join(
        f'<span><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{html.escape(n)}</span>'
        for i, n in enumerate(names)
    )
    figures = []
    for entry in sorted(listed.images, key=lambda e: e.rank):
        stem, score = Path(entry.file).stem, entry.scores.get("mining_score")
        source = thumbnail(batch / "images" / entry.file, batch / "labels" / f"{stem}.txt")
        caption = f"#{entry.rank} {entry.file}<br>{entry.draft_boxes} draft boxes"
        caption += f", score {score:.3f}" if isinstance(score, int | float) else ""
        figures.append(
            f'<figure><img class="batch-image" src="{source}" alt="{html.escape(stem)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    about = f"{layout.key(batch)}: {len(figures)} images, drafts by {html.escape(listed.model)}"
    return f'<p>{about}</p><p class="legend">{legend}</p><div class="sheet">{"".join(figures)}</div>'


def history_sections(model_name: str, layout: Layout) -> list[str]:
    """The champion's history of `model_name` (evaluations, registered versions), labels per round, mAP against
    labels."""
    evaluations = loop_history.evaluations(model_name)
    rows = [
        [e["date"], e["version"], _figure(e["map50_95"]), _figure(e["map50"]), e["decision"], e["champion_after"]]
        + [e["labelled_images"] or ""]
        for e in reversed(evaluations)
    ]
    versions = [
        [v["version"], v["date"], v["stage"], ", ".join(v["aliases"])]
        for v in loop_history.registered_versions(model_name)
    ]
    rounds = [
        [r["round"], r["handed_out"], r["draft_boxes"], r["returned"], r["returned_boxes"]]
        for r in loop_history.label_rounds(layout)
    ]
    points = [
        (e["labelled_images"], e["map50_95"])
        for e in evaluations
        if e["labelled_images"] is not None and e["map50_95"] is not None
    ]
    headers = ["date", "version", "mAP50-95", "mAP50", "decision", "champion after", "labelled images"]
    unattributed = loop_history.unattributed_evaluations()
    older = (
        f'<p class="muted">{unattributed} older evaluations name no registered model and are not shown</p>'
        if unattributed
        else ""
    )
    return [
        "<h2>Champion history: evaluations</h2>",
        _table(headers, rows, "no evaluation yet (`dvc repro evaluate`)") + older,
        "<h2>Registered versions</h2>",
        _table(["version", "registered", "stage", "aliases"], versions, "no registered model yet"),
        "<h2>Labels spent per round</h2>",
        _table(
            ["round", "images handed out", "draft boxes", "images returned", "boxes returned"],
            rounds,
            "no relabel round yet",
        ),
        "<h2>mAP50-95 against labelled training images</h2>",
        map_against_labels_svg(points),
    ]


def models_section(model_name: str, known: list[str]) -> str:
    """The store's registered models and how to see each, when it holds another than this page's."""
    if not set(known) - {model_name}:
        return ""
    items = "".join(
        f"<li><code>{html.escape(name)}</code>"
        + (" (this page)" if name == model_name else f": <code>yoloop report --model {html.escape(name)}</code>")
        + "</li>"
        for name in known
    )
    return f'<h2>Registered models in this store</h2><ul id="registered-models">{items}</ul>'


def render_page(params: Params, layout: Layout, model_name: str, known: list[str]) -> str:
    versions = loop_history.registered_versions(model_name)
    champion = next((v for v in versions if "champion" in v["aliases"]), None)
    headline = f"champion: version {champion['version']}" if champion else "no champion yet"
    title = f"yoloop loop: {html.escape(model_name)}"
    sections = [
        f"<h1>{title}</h1><p class='muted'>{headline}; updated {time.strftime('%Y-%m-%d %H:%M')}</p>",
        models_section(model_name, known),
        *history_sections(model_name, layout),
        "<h2>Current relabel batch</h2>",
        contact_sheet(current_batch(params.mine.round, layout.relabel), layout),
    ]
    body = "\n".join(sections)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def loop_page(layout: Layout, model_name: str | None = None) -> Path:
    """reports/loop/index.html for the params' model (None), reports/loop/<name>/index.html for another."""
    folder = layout.reports / "loop"
    return folder / "index.html" if model_name is None else folder / re.sub(r"[^\w.-]", "_", model_name) / "index.html"


def write_loop_page(params: Params, layout: Layout, evaluated: bool = False, model: str | None = None) -> Path:
    """Rewrite the page of `model` (default: the params' registered model) atomically; `evaluated` (from evaluate)
    first tags the run that just ended. An explicit `model` the store does not hold is an InputError naming it."""
    if evaluated:
        loop_history.record_evaluation(params.tracking, layout)
    default = params.tracking.registered_model
    known = registered_model_names() if model is None else require_registered_model(model)
    name = model or default
    page = loop_page(layout, None if name == default else name)
    return write_text_atomic(page, render_page(params, layout, name, known))
