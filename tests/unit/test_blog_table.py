"""The blog replication's table, built from fixed figures: blog and yoloop side by side, ratios, forgetting, spread."""

from __future__ import annotations

from benchmarks.blog_figures import comparison


def _row(epochs: int, device_s: float, images: int, per_class: dict, forgetting: list | None = None) -> dict:
    mean = sum(v for v in per_class.values() if v is not None) / 2
    return {
        "epochs": epochs,
        "wall_s": device_s,
        "device_s": device_s,
        "images_seen": images,
        "map50_95": mean,
        "per_class": per_class,
        "forgetting": forgetting or [],
    }


REPORT = {
    "settings": {"old_classes": ["oslik", "ovecka"]},
    "experiments": {
        "A": _row(300, 900, 4500, {"oslik": 0.6, "ovecka": 0.5, "prasatko": None}),
        "B": _row(15, 20, 90, {"oslik": 0.55, "ovecka": 0.1, "prasatko": 0.4}, [{"name": "ovecka"}]),
        "C": _row(15, 80, 315, {"oslik": 0.6, "ovecka": 0.5, "prasatko": 0.3}),
        "D": _row(300, 1200, 6300, {"oslik": 0.6, "ovecka": 0.6, "prasatko": 0.5}),
    },
}


def test_each_figure_has_the_blogs_line_then_ours():
    lines = comparison(REPORT, "yoloop cpu").splitlines()
    assert lines[2] == "| epochs | blog | 2000 | 100 | 100 | 2000 |"
    assert lines[3] == "| | yoloop cpu | 300 | 15 | 15 | 300 |"
    assert "| device s | blog | 1825 | 90 | 119 | 2002 |" in lines
    assert "| images seen | blog (derived) | 46,000 | 800 | 3,200 | 64,000 |" in lines
    assert "| prasatko | yoloop cpu | - | 0.400 | 0.300 | 0.500 |" in lines, "A does not know the pig"


def test_ratios_forgetting_and_spread_are_worked_out_from_the_rows():
    text = comparison(REPORT, "yoloop cpu")
    assert "(D / C), device s: blog 16.8x (about 17x), yoloop 15.0x" in text
    assert "images seen: blog 20.0x (derived), yoloop 20.0x" in text
    assert "forgetting by B, oslik: A 0.600 -> B 0.550: not flagged" in text
    assert "forgetting by B, ovecka: A 0.500 -> B 0.100: forgotten (flagged)" in text
    assert "C 0.300 (blog: not quite even), D 0.100 (blog: even)" in text
