"""What every benchmark shares: timing subprocesses and watching their memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Benchmarks keep their MLflow runs, Prefect runs and scratch out of the project's own state.
os.environ.setdefault("YOLOOP_STATE_DIR", tempfile.mkdtemp(prefix="yoloop-bench-state-"))

from tasks.core import configure  # noqa: E402

configure()

from testkit.processes import project_env  # noqa: E402
from testkit.real_data import RealDataMissing, real_datasets  # noqa: E402


def real_datasets_or_exit(given: Path | None = None) -> Path:
    """The datasets folder given, else the one testkit finds; a benchmark without them stops, saying so."""
    if given is not None:
        return given
    try:
        return real_datasets()
    except RealDataMissing as missing:
        raise SystemExit(f"{Path(sys.argv[0]).stem}: {missing}") from None


class PeakMemory:
    """Samples the summed RSS of a process and all its children until stopped."""

    def __init__(self, pid: int, interval_s: float = 0.25):
        self.peak_bytes = 0
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(interval_s,), daemon=True)
        self._thread.start()

    def _watch(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                family = [self._process, *self._process.children(recursive=True)]
                total = sum(p.memory_info().rss for p in family if p.is_running())
            except psutil.Error:
                total = 0
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(interval_s)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_bytes


def timed(args: list[str], cwd: Path, log: Path | None = None) -> tuple[float, int]:
    """Run a command to completion; return (wall seconds, peak RSS bytes of its process tree)."""
    out = log.open("w") if log else subprocess.DEVNULL
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=project_env(), stdout=out, stderr=subprocess.STDOUT)
    memory = PeakMemory(process.pid)
    code = process.wait()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if code != 0:
        raise SystemExit(f"{' '.join(args)} exited with {code}" + (f"; see {log}" if log else ""))
    return wall, peak
