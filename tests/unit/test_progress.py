"""tasks/core/progress.py: log lines at most every N seconds (fake clock), a tqdm bar on a TTY, silence when empty."""

from __future__ import annotations

import io

import pytest

from tasks.core import InputError, Progress, track
from tasks.core.progress import EVERY_ENV, every_s


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_when_the_interval_passed_and_a_final_line_with_the_count():
    clock, stream = FakeClock(), io.StringIO()
    seen = []
    for item in track(range(10), "pool scoring", stream=stream, clock=clock, every=15):
        seen.append(item)
        clock.now += 4  # 4 s per image: a line after the 4th (16 s), the 8th (32 s)
    lines = stream.getvalue().splitlines()
    assert seen == list(range(10))
    assert lines[0] == "pool scoring: 4/10 images (40%), 4 s each, ~24 s left"
    assert lines[1].startswith("pool scoring: 8/10 images (80%)")
    assert lines[2] == "pool scoring: done, 10/10 images in 40 s (4 s each)"
    assert len(lines) == 3


def test_no_line_before_the_interval_only_the_final_one():
    clock, stream = FakeClock(), io.StringIO()
    with Progress("import check", 1669, stream=stream, clock=clock, every=15) as progress:
        for _ in range(400):
            progress.advance()
            clock.now += 0.01
    assert stream.getvalue().splitlines() == ["import check: done, 400/1669 images in 4 s (100.0 images/s)"]


def test_rate_and_time_left_in_a_line():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress("pool scoring", 1669, stream=stream, clock=clock, every=15)
    clock.now += 32.5
    progress.advance(400)
    assert stream.getvalue() == "pool scoring: 400/1669 images (24%), 12.3 images/s, ~2 min left\n"
    clock.now += 30
    progress.advance(1268)
    assert stream.getvalue().splitlines()[-1] == "pool scoring: 1668/1669 images (100%), 26.7 images/s, <1 s left"


def test_an_error_in_the_loop_says_stopped():
    clock, stream = FakeClock(), io.StringIO()
    with pytest.raises(RuntimeError), Progress("export check", 3, "variants", stream, clock, 15) as progress:
        progress.advance()
        raise RuntimeError("boom")
    assert stream.getvalue() == "export check: stopped at 1/3 variants in <1 s (0.0 variants/s)\n"


def test_an_empty_loop_writes_nothing():
    for stream in (io.StringIO(), Terminal()):
        assert list(track([], "import check", stream=stream, clock=FakeClock(), every=0)) == []
        assert stream.getvalue() == ""


def test_a_terminal_gets_a_tqdm_bar_and_no_log_lines():
    clock, stream = FakeClock(), Terminal()
    with Progress("pool scoring", 5, stream=stream, clock=clock, every=0) as progress:
        assert type(progress.bar).__module__.startswith("tqdm")
        for _ in range(5):
            clock.now += 20
            progress.advance()
    text = stream.getvalue()
    assert "pool scoring: 100%" in text and "5/5" in text  # tqdm's own format
    assert "done," not in text and "images/s, ~" not in text


def test_every_s_reads_the_environment(monkeypatch):
    monkeypatch.delenv(EVERY_ENV, raising=False)
    assert every_s() == 15.0
    monkeypatch.setenv(EVERY_ENV, "2")
    assert every_s() == 2.0
    monkeypatch.setenv(EVERY_ENV, "soon")
    with pytest.raises(InputError, match=EVERY_ENV):
        every_s()
