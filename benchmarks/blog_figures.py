"""The blog's published figures, and the side-by-side table of a `yoloop economics` report against them.

The blog trained YOLOv8n at 1024 px on an A100: A from scratch on the donkey and the sheep
(2plysaci), then B = A transferred on the pig alone (prasatko), C = A transferred on all three
toys, D from scratch on all three (3plysaci). It published epochs and hours, and said in words
how good each model was; it gave no mAP. Images seen are derived here: epochs x the training
images of the published set. Pure functions of the report's JSON, so the table is tested
without training anything.
"""

from __future__ import annotations

from typing import Any

BLOG_DEVICE = "A100, 1024 px"
BLOG: dict[str, dict[str, Any]] = {
    "A": {"what": "scratch, donkey + sheep", "epochs": 2000, "hours": 0.507, "train_images": 23, "says": "-"},
    "B": {"what": "A -> the pig alone", "epochs": 100, "hours": 0.025, "train_images": 8, "says": "forgets the old"},
    "C": {"what": "A -> all three toys", "epochs": 100, "hours": 0.033, "train_images": 32, "says": "not quite even"},
    "D": {"what": "scratch, all three", "epochs": 2000, "hours": 0.556, "train_images": 32, "says": "even"},
}
BLOG_RATIO_WORDS = "about 17x"  # the blog's words for D's compute against C's
NOT_MEASURED = "not yet measured"


def blog_device_s(name: str) -> float:
    return BLOG[name]["hours"] * 3600


def blog_images_seen(name: str) -> int:
    return BLOG[name]["epochs"] * BLOG[name]["train_images"]


def _ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.1f}x" if bottom > 0 else "-"


def _ap(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def spread(per_class: dict[str, float | None]) -> float | None:
    """max - min of the per-class mAP50-95: 0 is perfectly even across the toys."""
    values = [v for v in per_class.values() if v is not None]
    return max(values) - min(values) if values else None


def ratio_lines(rows: dict[str, dict[str, Any]]) -> list[str]:
    """Scratch against transfer (D / C), by device seconds and by images seen; blog and yoloop."""
    c, d = rows["C"], rows["D"]
    blog_s = _ratio(blog_device_s("D"), blog_device_s("C"))
    blog_imgs = _ratio(blog_images_seen("D"), blog_images_seen("C"))
    return [
        f"compute ratio scratch / transfer (D / C), device s: blog {blog_s} ({BLOG_RATIO_WORDS}), "
        f"yoloop {_ratio(d['device_s'], c['device_s'])}",
        f"compute ratio D / C, images seen: blog {blog_imgs} (derived), "
        f"yoloop {_ratio(d['images_seen'], c['images_seen'])}",
        f"D / (A + C), device s (C needs A first): blog "
        f"{_ratio(blog_device_s('D'), blog_device_s('A') + blog_device_s('C'))}, "
        f"yoloop {_ratio(d['device_s'], rows['A']['device_s'] + c['device_s'])}",
    ]


def forgetting_lines(rows: dict[str, dict[str, Any]], old_classes: list[str]) -> list[str]:
    """Each old class: A's mAP50-95, B's, and whether the economics report flags the drop (blog: forgotten)."""
    flagged = {flag["name"] for flag in rows["B"]["forgetting"]}
    lines = []
    for name in old_classes:
        before, after = rows["A"]["per_class"].get(name), rows["B"]["per_class"].get(name)
        verdict = "forgotten (flagged)" if name in flagged else "not flagged"
        lines.append(f"forgetting by B, {name}: A {_ap(before)} -> B {_ap(after)}: {verdict}; blog: forgotten")
    return lines


def evenness_lines(rows: dict[str, dict[str, Any]]) -> list[str]:
    """C against D: the spread of per-class mAP50-95 (blog: C not quite even, D even)."""
    c, d = spread(rows["C"]["per_class"]), spread(rows["D"]["per_class"])
    return [f"spread across toys (max - min mAP50-95): C {_ap(c)} (blog: not quite even), D {_ap(d)} (blog: even)"]


def _blog_rows() -> list[tuple[str, str, Any]]:
    return [
        ("epochs", "blog", lambda n: str(BLOG[n]["epochs"])),
        ("wall h", f"blog ({BLOG_DEVICE})", lambda n: f"{BLOG[n]['hours']:.3f}"),
        ("device s", "blog", lambda n: f"{blog_device_s(n):.0f}"),
        ("images seen", "blog (derived)", lambda n: f"{blog_images_seen(n):,}"),
        ("quality", "blog (in words)", lambda n: BLOG[n]["says"]),
    ]


def _our_rows(classes: list[str]) -> list[tuple[str, Any]]:
    return [
        ("epochs", lambda r: str(r["epochs"])),
        ("wall h", lambda r: f"{r['wall_s'] / 3600:.3f}"),
        ("device s", lambda r: f"{r['device_s']:.0f}"),
        ("images seen", lambda r: f"{r['images_seen']:,}"),
        ("mAP50-95", lambda r: _ap(r["map50_95"])),
        *[(name, lambda r, c=name: _ap(r["per_class"][c])) for name in classes],
    ]


def side_by_side(report: dict[str, Any], label: str) -> str:
    """The markdown table: per experiment, the blog's figure and then yoloop's (`label` says which run)."""
    rows = report["experiments"]
    ours = dict(_our_rows(list(rows["A"]["per_class"])))
    lines = [
        "| figure | source | " + " | ".join(f"{n}: {BLOG[n]['what']}" for n in BLOG) + " |",
        "|---|---|" + "---|" * len(BLOG),
    ]
    for figure, source, blog_value in _blog_rows():
        lines.append(f"| {figure} | {source} | " + " | ".join(blog_value(n) for n in BLOG) + " |")
        if figure in ours:
            value = ours.pop(figure)
            lines.append(f"| | {label} | " + " | ".join(value(rows[n]) for n in BLOG) + " |")
    for figure, value in ours.items():
        lines.append(f"| {figure} | {label} | " + " | ".join(value(rows[n]) for n in BLOG) + " |")
    return "\n".join(lines) + "\n"


def comparison(report: dict[str, Any], label: str) -> str:
    """The table, then the three things the blog's words can be held against."""
    rows, old = report["experiments"], report["settings"]["old_classes"]
    notes = [*ratio_lines(rows), *forgetting_lines(rows, old), *evenness_lines(rows)]
    return side_by_side(report, label) + "\n" + "\n".join(f"- {line}" for line in notes) + "\n"
