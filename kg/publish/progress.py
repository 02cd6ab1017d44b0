"""Stage times of a long command (``kg build``): measured always, shown when asked.

Each stage records its wall time and the CPU time of the thread that ran it
(:func:`time.thread_time`: stages can run side by side, as validation does next to the
exports, and the process's CPU would count both); the whole run records the process's CPU
(every thread, :func:`resource.getrusage`). While a stage runs, a live line on stderr says which
(with rich, only on a terminal); at the end :meth:`Stages.table` gives the table of stage
times, and :meth:`Stages.to_json` what ``kg build --timings FILE`` writes (the benchmark reads
it).

>>> stages = Stages(show=False)
>>> with stages.stage("load"):
...     pass
>>> [s["name"] for s in stages.to_json()["stages"]]
['load']
"""

from __future__ import annotations

import contextlib
import resource
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class StageTime:
    """One stage: its name, wall and CPU seconds, and whether it ran beside others."""

    name: str
    wall: float
    cpu: float
    parallel: bool = False
    start: float = 0.0
    """Seconds after the run started (stages are listed in this order)."""


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Stages:
    """Times stages; shows a live status line on stderr when ``show`` (default: stderr is a
    terminal)."""

    def __init__(self, show: bool | None = None) -> None:
        self.show = sys.stderr.isatty() if show is None else show
        self.times: list[StageTime] = []
        self.started = time.perf_counter()
        self.started_cpu = _process_cpu()
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._status: Any = None
        self._running: list[str] = []
        if self.show:
            from rich.console import Console

            self._console: Any = Console(stderr=True)
            self._status = self._console.status("starting")
            self._status.start()

    def _update(self) -> None:
        if self._status is not None:
            elapsed = time.perf_counter() - self.started
            text = ", ".join(self._running) or "finishing"
            self._status.update(f"{text}  [dim]{elapsed:.1f} s[/dim]")

    @contextlib.contextmanager
    def stage(self, name: str, parallel: bool = False) -> Iterator[None]:
        """Time the block as stage ``name`` (``parallel``: it runs beside the main thread)."""
        with self._lock:
            self._running.append(name)
            self._update()
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            timing = StageTime(
                name,
                time.perf_counter() - wall,
                time.thread_time() - cpu,
                parallel,
                wall - self.started,
            )
            with self._lock:
                self.times.append(timing)
                self.times.sort(key=lambda t: t.start)
                self._running.remove(name)
                self._update()

    def close(self) -> None:
        """Stop the live line (call once, when the command ends)."""
        if self._status is not None:
            self._status.stop()
            self._status = None

    @property
    def wall(self) -> float:
        return time.perf_counter() - self.started

    @property
    def cpu(self) -> float:
        return _process_cpu() - self.started_cpu

    def table(self) -> str:
        """The stage times as a text table, in order of start, with the total (wall, and the
        process's CPU: every thread). A stage's CPU is its own thread's."""
        from kg.model.render import table

        rows = [
            [
                t.name + (" (beside)" if t.parallel else ""),
                f"{t.start:.2f}",
                f"{t.wall:.2f}",
                f"{t.cpu:.2f}",
            ]
            for t in self.times
        ]
        rows.append(["total", "", f"{self.wall:.2f}", f"{self.cpu:.2f}"])
        return table(["stage", "start s", "wall s", "cpu s"], rows)

    def to_json(self) -> dict[str, Any]:
        """``{"stages": [{"name", "wall", "cpu", "parallel"}], "wall", "cpu", **counts}``."""
        return {
            "stages": [
                {
                    "name": t.name,
                    "start": t.start,
                    "wall": t.wall,
                    "cpu": t.cpu,
                    "parallel": t.parallel,
                }
                for t in self.times
            ],
            "wall": self.wall,
            "cpu": self.cpu,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            **self.counts,
        }


__all__ = ["StageTime", "Stages"]
