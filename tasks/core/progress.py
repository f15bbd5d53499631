"""Progress of long loops that are not Ultralytics' own: a bar on a terminal, a line now and then in a log.

Importing, scoring the pool, building the FiftyOne index and checking exports can each take
minutes; without a sign of life a CI log looks hung. On a terminal (stderr is a TTY) a tqdm
bar is drawn; anywhere else one line such as
`pool scoring: 400/1669 images (24%), 12.3 images/s, ~2 min left` is written at most every
YOLOOP_PROGRESS_EVERY_S seconds (15 by default), then one final line with the count and the
time taken. An empty loop writes nothing. Progress goes to stderr only: outputs never change.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

from tasks.core.errors import InputError

EVERY_ENV = "YOLOOP_PROGRESS_EVERY_S"
DEFAULT_EVERY_S = 15.0

T = TypeVar("T")


def every_s() -> float:
    """Seconds between two log lines: YOLOOP_PROGRESS_EVERY_S, or 15."""
    raw = os.environ.get(EVERY_ENV, "").strip()
    if not raw:
        return DEFAULT_EVERY_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise InputError(f"{EVERY_ENV}={raw!r}: not a number of seconds (>= 0)")
    return value


def duration(seconds: float) -> str:
    """`<1 s`, `45 s`, `3 min`, `1 h 20 min`: as precise as a person reading a log needs."""
    if seconds < 1:
        return "<1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


class Progress:
    """Counts `done` out of `total` items under `label`; call `advance(n)` as items finish.

    `stream` (stderr by default) decides the mode: a TTY gets a tqdm bar, anything else log lines.
    `clock` and `every` are there so that tests need no sleeps.
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "images",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        every: float | None = None,
    ):
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.clock, self.every = clock, every_s() if every is None else every
        self.done, self.started = 0, clock()
        self.last_line = self.started
        self.bar = None
        if total > 0 and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            # the size given, not tqdm's own guess: on a pty of unknown size it guesses -1 and draws nothing
            size = shutil.get_terminal_size()
            self.bar = tqdm(total=total, desc=label, unit=unit, file=self.stream, ncols=size.columns, nrows=size.lines)

    def _write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def _rate(self, now: float) -> float:
        return self.done / (now - self.started) if now > self.started else 0.0

    def _speed(self, now: float) -> str:
        """`12.3 images/s`, or `40 s each` when one item takes more than a second."""
        rate = self._rate(now)
        return f"{rate:.1f} {self.unit}/s" if rate >= 1 or rate == 0 else f"{duration(1 / rate)} each"

    def line(self, now: float) -> str:
        """`label: done/total unit (pct%), rate unit/s, ~time left`."""
        rate = self._rate(now)
        pct = 100 * self.done / self.total if self.total else 100.0
        left = ""
        if rate > 0 and self.done < self.total:
            seconds = (self.total - self.done) / rate
            left = f", {'~' if seconds >= 1 else ''}{duration(seconds)} left"
        return f"{self.label}: {self.done}/{self.total} {self.unit} ({pct:.0f}%), {self._speed(now)}{left}"

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = self.clock()
        if now - self.last_line >= self.every and self.done < self.total:
            self.last_line = now
            self._write(self.line(now))

    def close(self, stopped: bool = False) -> None:
        """The final line (nothing for an empty loop); `stopped` when the loop ended by an error."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            return
        if self.done == 0:
            return
        now = self.clock()
        how = "stopped at" if stopped else "done,"
        took = duration(now - self.started)
        self._write(f"{self.label}: {how} {self.done}/{self.total} {self.unit} in {took} ({self._speed(now)})")
        self.done = 0  # a second close writes nothing

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(stopped=kind is not None)


def track(items: Iterable[T], label: str, total: int | None = None, unit: str = "images", **options) -> Iterator[T]:
    """Each of `items`, counting one as the next is asked for; `total` defaults to len(items)."""
    count = len(items) if total is None else total  # type: ignore[arg-type]
    with Progress(label, count, unit, **options) as progress:
        for item in items:
            yield item
            progress.advance()
