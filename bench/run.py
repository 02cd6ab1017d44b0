"""Benchmark ``kg build`` against the plain rdflib + pySHACL pipeline; writes bench/REPORT.md.

For each size (``--sizes 10k 100k 1m``: about that many triples; ``r2``: two regions) this
generates a synthetic data folder (``bench/synthetic.py``: the regions split over ``--files``
source files, plus one small file of one region) and measures, every figure a fresh process:

- ``kg build --data DIR --out OUT --timings T.json -q``, cold: a fresh, empty ``KG_CACHE_DIR``
  for every run, so each does the whole work;
- the plain pipeline, ``bench/baseline.py DIR --timings T.json``, interleaved with the kg runs
  (run 1 of each, run 2 of each, …) so that a busy moment on the shared machine hits both;
- an incremental ``kg build``: the cache and output of the last cold build, after one label
  in the small file changed (another label each run).

On the largest size it then measures ``kg query NAME --data DIR --format csv`` for every
named query (``KG_CACHE_DIR`` at the built cache), ``kg query --list`` and ``kg --help``, and,
when ``bench/queries.py`` exists, the in-process time of each query (see
:func:`in_process_query_times`, the hook).

Why processes: a user runs ``kg``, and start-up, imports and exit are part of what they wait
for. Each process is timed with ``time.perf_counter`` around ``os.wait4``, whose resource usage
gives its CPU (user + system, including the children it waited for) and peak RSS (the largest
of it and those children, not their sum). Figures are medians of ``--runs`` runs (``--cli-runs``
for ``--list`` and ``--help``), with min and max: on a shared 2-core machine, trust the ratios
and medians more than any one time. The stage times come from each process's ``--timings``
file; when ``kg build`` has no ``--timings`` option (it is asked ``kg build --help``), its
stages read "n/a" and only the whole process is timed.

Usage: ``python bench/run.py [--sizes 10k 100k 1m] [--runs 3] [--out bench] [--keep]``;
``--render results.json`` only writes the report again from the raw figures of a run.
(``make bench``; a quick check: ``make bench BENCH_ARGS="--sizes 10k --runs 1"``).
Progress goes to stderr; the report to ``OUT/REPORT.md``, the raw figures to
``OUT/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

PYTHON = Path(sys.executable)
KG = PYTHON.parent / "kg"
"""The ``kg`` of this interpreter's environment (the project's venv under ``make bench``)."""
BASELINE = HERE / "baseline.py"
SMALL_FILE = "small-source.trig"
"""The one-region file whose label the incremental runs change."""
LIBRARIES = ("rdflib", "pyshacl", "pyshacl-turbo", "pyoxigraph", "oxigraph", "PyLD", "click")
BUILD_TIMEOUT = 3600.0
"""Seconds one build (kg or baseline) may take before it is killed and recorded as such."""
QUERY_TIMEOUT = 300.0
"""Seconds one ``kg query`` process may take."""
MB = 1_000_000
"""Memory is shown in MB (10⁶ bytes), the unit of the 2 GB target."""


def progress(message: str) -> None:
    """One progress line on stderr (the full run takes half an hour or more)."""
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"bench {stamp} {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Size:
    """A requested size: about ``triples`` triples, or exactly ``regions`` regions."""

    label: str
    triples: int | None = None
    regions: int | None = None


def parse_size(text: str) -> Size:
    """``10k``, ``100k``, ``1m``, ``2.5m``, ``50000`` (triples) or ``r2`` (regions).

    >>> parse_size("10k"), parse_size("1M"), parse_size("r2")
    (Size(label='10k', triples=10000, regions=None), Size(label='1m', triples=1000000, \
regions=None), Size(label='r2', triples=None, regions=2))
    >>> parse_size("ten")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 'ten' is not a size (use 10k, 100k, 1m, a number of triples, \
or rN for N regions)
    """
    label = text.strip().lower()
    found = re.fullmatch(r"r([1-9]\d*)", label)
    if found:
        return Size(label, regions=int(found.group(1)))
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", label)
    if found and float(found.group(1)) > 0:
        scale = {"": 1, "k": 1_000, "m": 1_000_000}[found.group(2)]
        return Size(label, triples=max(1, round(float(found.group(1)) * scale)))
    raise argparse.ArgumentTypeError(
        f"'{text}' is not a size (use 10k, 100k, 1m, a number of triples, or rN for N regions)"
    )


def count_triples(paths: Iterable[Path]) -> int:
    """The statements (quads) in the TriG ``paths``, parsed with pyoxigraph (fast)."""
    import pyoxigraph

    return sum(
        sum(1 for _ in pyoxigraph.parse(path=str(p), format=pyoxigraph.RdfFormat.TRIG))
        for p in paths
    )


@dataclass(frozen=True)
class Calibration:
    """Triples per region and per file (the graph's own description) of ``bench/synthetic.py``."""

    per_region: int
    per_file: int

    def regions_for(self, triples: int, files: int) -> int:
        """How many regions (besides the small file's one) make about ``triples`` triples in
        ``files`` files plus the small file.

        >>> Calibration(244, 8).regions_for(1_000_000, 20)
        4097
        >>> Calibration(244, 8).regions_for(10, 20)
        1
        """
        regions = 1
        for _ in range(2):  # the number of files depends on the regions, at small sizes
            used = min(files, regions) if regions > 1 else 1
            overhead = self.per_file * (used + 1) + self.per_region  # + the small file
            regions = max(1, round((triples - overhead) / self.per_region))
        return regions


def calibrate(folder: Path) -> Calibration:
    """Measure :class:`Calibration` from synthetic output: one file with 1 region, with 3."""
    one = synthetic.write(folder / "one", 1)
    three = synthetic.write(folder / "three", 3)
    per_region = (count_triples(three) - count_triples(one)) // 2
    calibration = Calibration(per_region, count_triples(one) - per_region)
    shutil.rmtree(folder / "one")
    shutil.rmtree(folder / "three")
    return calibration


@dataclass(frozen=True)
class DataFolder:
    """A generated data folder: ``regions`` regions in ``files`` files, plus the small file."""

    path: Path
    regions: int
    files: int
    triples: int
    bytes: int

    @property
    def small(self) -> Path:
        return self.path / SMALL_FILE


def make_data(folder: Path, regions: int, files: int) -> DataFolder:
    """Write the synthetic files and the small one (region number ``regions``: no clash)."""
    written = synthetic.write(folder, regions, files)
    written.append(synthetic.write_source(folder / SMALL_FILE, "small-source", [regions]))
    return DataFolder(
        folder,
        regions,
        len(written) - 1,
        count_triples(written),
        sum(p.stat().st_size for p in written),
    )


def change_label(small: Path, original: str, region: int, version: int) -> None:
    """Rewrite the small file with its region's Norwegian label changed (``version`` in it),
    atomically, so that the next build sees exactly one small file changed."""
    old = f'"Syntetisk region {region}"@nb'
    if original.count(old) != 1:
        raise SystemExit(f"bench: {small}: expected the label {old} once; regenerate the data")
    text = original.replace(old, f'"Syntetisk region {region} (endra {version})"@nb')
    write_atomic(small, text)


# --------------------------------------------------------------------------------------------
# Measuring one process


@dataclass
class Run:
    """One measured process."""

    argv: list[str]
    rc: int | None
    wall: float
    cpu: float
    maxrss: int
    """Peak resident set size, bytes."""
    timed_out: bool
    stderr: str
    stdout_bytes: int
    timings: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def as_json(self) -> dict[str, Any]:
        return {
            "argv": self.argv,
            "rc": self.rc,
            "timed_out": self.timed_out,
            "wall": self.wall,
            "cpu": self.cpu,
            "maxrss_bytes": self.maxrss,
            "stdout_bytes": self.stdout_bytes,
            "stderr_tail": self.stderr if not self.ok else "",
            "timings": self.timings,
        }


def measure(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = BUILD_TIMEOUT,
    timings: Path | None = None,
) -> Run:
    """Run ``argv`` as a fresh process and measure it with ``os.wait4``.

    stdout goes to a file next to ``cwd`` (its size is recorded, as a check that an answer
    came), stderr is kept for the report when the process fails. A process still running after
    ``timeout`` seconds is killed with its process group. ``timings`` is read afterwards, if
    the process wrote it.
    """
    environment = dict(os.environ if env is None else env)
    out_path = cwd / ".bench-stdout"
    err_path = cwd / ".bench-stderr"
    if timings is not None:
        timings.unlink(missing_ok=True)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv), cwd=cwd, env=environment, stdout=out, stderr=err, start_new_session=True
        )
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    stderr = err_path.read_text("utf-8", errors="replace")
    run = Run(
        argv=list(argv),
        rc=process.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss=usage.ru_maxrss * 1024,  # KiB on Linux
        timed_out=expired.is_set(),
        stderr="\n".join(stderr.strip().splitlines()[-5:]),
        stdout_bytes=out_path.stat().st_size,
    )
    out_path.unlink()
    err_path.unlink()
    if timings is not None and timings.is_file():
        try:
            document = json.loads(timings.read_text("utf-8"))
        except (OSError, ValueError):
            document = None
        run.timings = document if isinstance(document, dict) else None
    return run


def fresh_env(cache: Path) -> dict[str, str]:
    """This process's environment with ``KG_CACHE_DIR`` set to ``cache``."""
    env = dict(os.environ)
    env["KG_CACHE_DIR"] = str(cache)
    return env


def kg_build_has_timings() -> bool:
    """Whether this ``kg build`` takes ``--timings PATH`` (it says so in its help)."""
    found = subprocess.run(
        [str(KG), "build", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    return "--timings" in found.stdout


# --------------------------------------------------------------------------------------------
# One size


@dataclass
class Bench:
    """What the whole run needs: options and the places to work in."""

    runs: int
    baseline_runs: int
    cli_runs: int
    files: int
    work: Path
    with_timings: bool
    query_names: list[str] | None

    def build_argv(self, data: Path, out: Path, timings: Path) -> list[str]:
        argv = [str(KG), "build", "--data", str(data), "--out", str(out)]
        if self.with_timings:
            argv += ["--timings", str(timings)]
        return [*argv, "-q"]


def describe(run: Run) -> str:
    """``12.3 s wall, 20.1 s CPU, 812 MB`` (or why it failed) for a progress line."""
    figures = f"{run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.maxrss / MB:,.0f} MB"
    if run.ok:
        return figures
    reason = "timed out" if run.timed_out else f"exit {run.rc}"
    last = run.stderr.splitlines()[-1] if run.stderr else ""
    return f"FAILED ({reason}: {last}) after {figures}"


def measure_size(bench: Bench, size: Size, calibration: Calibration) -> dict[str, Any]:
    """Generate the data of ``size``, then the cold, baseline and incremental runs."""
    folder = bench.work / size.label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    regions = (
        size.regions
        if size.regions is not None
        else calibration.regions_for(size.triples or 0, bench.files)
    )
    data = make_data(folder / "data", regions, min(bench.files, regions))
    progress(
        f"{size.label}: {data.regions + 1} regions in {data.files} + 1 files, "
        f"{data.triples:,} triples ({data.bytes / MB:,.1f} MB) in {data.path}"
    )
    cold: list[Run] = []
    baseline: list[Run] = []
    last: tuple[Path, Path] | None = None
    for i in range(1, max(bench.runs, bench.baseline_runs) + 1):
        if i <= bench.runs:
            cache, out = folder / f"cache-{i}", folder / f"out-{i}"
            cache.mkdir()
            timings = folder / f"kg-timings-{i}.json"
            run = measure(
                bench.build_argv(data.path, out, timings),
                cwd=folder,
                env=fresh_env(cache),
                timings=timings,
            )
            cold.append(run)
            progress(f"{size.label}: kg build cold {i}/{bench.runs}: {describe(run)}")
            if last is not None:  # only the newest build is kept, for the incremental runs
                for path in last:
                    shutil.rmtree(path, ignore_errors=True)
            last = (cache, out)
        if i <= bench.baseline_runs:
            timings = folder / f"baseline-timings-{i}.json"
            run = measure(
                [str(PYTHON), str(BASELINE), str(data.path), "--timings", str(timings)],
                cwd=folder,
                timings=timings,
            )
            baseline.append(run)
            progress(f"{size.label}: baseline {i}/{bench.baseline_runs}: {describe(run)}")
    assert last is not None
    cache, out = last
    incremental: list[Run] = []
    original = data.small.read_text("utf-8")
    for i in range(1, bench.runs + 1):
        change_label(data.small, original, data.regions, i)
        timings = folder / f"kg-incremental-timings-{i}.json"
        run = measure(
            bench.build_argv(data.path, out, timings),
            cwd=folder,
            env=fresh_env(cache),
            timings=timings,
        )
        incremental.append(run)
        progress(f"{size.label}: kg build incremental {i}/{bench.runs}: {describe(run)}")
    return {
        "label": size.label,
        "regions": data.regions + 1,
        "files": data.files + 1,
        "triples": data.triples,
        "data_bytes": data.bytes,
        "data": str(data.path),
        "cache": str(cache),
        "kg_cold": [r.as_json() for r in cold],
        "baseline": [r.as_json() for r in baseline],
        "kg_incremental": [r.as_json() for r in incremental],
    }


# --------------------------------------------------------------------------------------------
# Queries and the CLI, on the largest store


def result_format(kind: str) -> str:
    """The ``--format`` for a query kind: CSV for tables (SELECT, ASK), Turtle for graphs."""
    return "turtle" if kind in ("construct", "describe") else "csv"


def measure_queries(bench: Bench, size: dict[str, Any]) -> dict[str, Any]:
    """Every named query as a whole ``kg query`` process, ``--list`` and ``--help``, and the
    in-process times (the hook), on the store the builds of ``size`` left."""
    from kg.query import queries as catalogue

    folder = bench.work / size["label"]
    data, cache = size["data"], Path(size["cache"])
    env = fresh_env(cache)
    found = catalogue.catalogue()
    names = list(found) if bench.query_names is None else bench.query_names
    named = []
    for name in names:
        query = found[name]
        fmt = result_format(query.kind)
        runs = [
            measure(
                [str(KG), "query", name, "--data", data, "--format", fmt],
                cwd=folder,
                env=env,
                timeout=QUERY_TIMEOUT,
            )
            for _ in range(bench.runs)
        ]
        middle = statistics.median(r.wall for r in runs)
        progress(f"{size['label']}: kg query {name}: median {middle:.2f} s; {describe(runs[-1])}")
        named.append(
            {
                "name": name,
                "kind": query.kind,
                "analytics": "analytics" in query.tags,
                "format": fmt,
                "runs": [r.as_json() for r in runs],
            }
        )
    cli: dict[str, list[dict[str, Any]]] = {}
    for key, argv in (("list", [str(KG), "query", "--list"]), ("help", [str(KG), "--help"])):
        runs = [
            measure(argv, cwd=folder, env=env, timeout=QUERY_TIMEOUT) for _ in range(bench.cli_runs)
        ]
        progress(f"{size['label']}: {shlex.join(['kg', *argv[1:]])}: {describe(runs[-1])}")
        cli[key] = [r.as_json() for r in runs]
    in_process, note = in_process_query_times(cache, [found[n] for n in names], bench.runs)
    progress(f"{size['label']}: in-process query times: {note}")
    return {
        "size": size["label"],
        "named": named,
        "list": cli["list"],
        "help": cli["help"],
        "in_process": in_process,
        "in_process_note": note,
    }


# ==== HOOK: in-process query times ==========================================================
# bench/queries.py is written by another engineer; this harness only calls it. The contract
# assumed here: ``time_queries(store, queries, repeat)`` with ``store`` a read-only
# ``pyoxigraph.Store`` over the built cache, ``queries`` a list of ``kg.query.queries.Query`` and
# ``repeat`` the number of runs; it returns, per query (keyed by name, or by the Query), either
# one time in seconds or the list of the ``repeat`` times. If the contract differs when the
# two are merged, adapt :func:`_open_store` and :func:`_per_query` only.


def _open_store(cache: Path) -> Any:
    """The pyoxigraph store of the build's cache, read-only: the newest folder under ``cache``
    that is a RocksDB store (holds a ``CURRENT`` file) and opens. ``None`` if there is none."""
    import pyoxigraph

    candidates = sorted(
        (p.parent for p in cache.rglob("CURRENT")), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for folder in candidates:
        try:
            return pyoxigraph.Store.read_only(str(folder))
        except OSError:
            continue
    return None


def _per_query(times: Mapping[Any, Any]) -> dict[str, dict[str, float]]:
    """``{name: {"median", "min", "max"}}`` (seconds) from what ``time_queries`` returned."""
    result: dict[str, dict[str, float]] = {}
    for key, value in times.items():
        name = getattr(key, "name", key)
        values = [float(v) for v in value] if isinstance(value, Sequence) else [float(value)]
        result[str(name)] = summary(values)
    return result


def in_process_query_times(
    cache: Path, queries: list[Any], repeat: int
) -> tuple[dict[str, dict[str, float]] | None, str]:
    """Per-query in-process times from ``bench/queries.py``'s ``time_queries``, and a note on
    where they came from (or why there are none). Never fails the benchmark."""
    path = HERE / "queries.py"
    if not path.is_file():
        return None, "not measured: bench/queries.py (time_queries) is not there yet"
    try:
        spec = importlib.util.spec_from_file_location("bench_queries", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        store = _open_store(cache)
        if store is None:
            return None, f"not measured: no pyoxigraph store found in the cache {cache}"
        times = module.time_queries(store, queries, repeat)
        return _per_query(times), f"bench/queries.py time_queries, {repeat} runs each"
    except Exception as exc:  # the hook must not lose the half hour of figures before it
        return None, f"not measured: bench/queries.py failed: {type(exc).__name__}: {exc}"


# ==== end of the hook =========================================================================


# --------------------------------------------------------------------------------------------
# Figures


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max.

    >>> summary([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0}
    """
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ok_runs(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs that finished with exit code 0."""
    return [r for r in runs if r["rc"] == 0 and not r["timed_out"]]


def process_figures(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Wall and CPU summaries and the peak RSS of the successful ``runs`` (None if none)."""
    good = ok_runs(runs)
    if not good:
        return None
    return {
        "wall": summary([r["wall"] for r in good]),
        "cpu": summary([r["cpu"] for r in good]),
        "maxrss_bytes": max(r["maxrss_bytes"] for r in good),
    }


def stage_figures(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per stage name: wall and CPU summaries over the successful runs that timed it, plus
    ``other`` (the process's time outside the stages: start-up, imports, exit)."""
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for run in ok_runs(runs):
        stages = (run.get("timings") or {}).get("stages")
        if not isinstance(stages, list):
            continue
        for stage in stages:
            walls.setdefault(str(stage["name"]), []).append(float(stage["wall"]))
            cpus.setdefault(str(stage["name"]), []).append(float(stage["cpu"]))
        # Stages that ran beside the main thread overlap it: only the main thread's add up.
        main = [s for s in stages if not s.get("parallel")]
        walls.setdefault(OTHER, []).append(run["wall"] - sum(float(s["wall"]) for s in main))
        cpus.setdefault(OTHER, []).append(run["cpu"] - sum(float(s["cpu"]) for s in stages))
    return {name: {"wall": summary(walls[name]), "cpu": summary(cpus[name])} for name in walls}


OTHER = "other (start-up, imports, exit)"
WHOLE = "whole process"


def ratio(baseline: float | None, kg: float | None) -> float | None:
    """``baseline / kg``, or None when either is missing (or kg took no time)."""
    if baseline is None or kg is None or kg <= 0:
        return None
    return baseline / kg


def seconds(value: float | None) -> str:
    """Seconds, two decimals below 10 s, one above; ``n/a`` when missing.

    >>> seconds(0.1234), seconds(12.345), seconds(None)
    ('0.12', '12.3', 'n/a')
    """
    if value is None:
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def spread(figure: Mapping[str, float] | None) -> str:
    """``median (min–max)``; the median alone when every run took the same (or one ran).

    >>> spread({"median": 2.0, "min": 1.0, "max": 3.0}), spread({"median": 2, "min": 2, "max": 2})
    ('2.00 (1.00–3.00)', '2.00')
    """
    if figure is None:
        return "n/a"
    text = seconds(figure["median"])
    if figure["min"] != figure["max"]:
        text += f" ({seconds(figure['min'])}–{seconds(figure['max'])})"
    return text


def plural(count: int, word: str) -> str:
    """``1 run``, ``3 runs``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}×"


def megabytes(value: float | None) -> str:
    return "n/a" if value is None else f"{value / MB:,.0f} MB"


def millis(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.0f} ms"


def failures(label: str, runs: list[dict[str, Any]]) -> list[str]:
    """One line per failed run: which, how, and the last line it wrote to stderr."""
    lines = []
    for i, run in enumerate(runs, start=1):
        if run["rc"] == 0 and not run["timed_out"]:
            continue
        how = "timed out" if run["timed_out"] else f"exit {run['rc']}"
        last = run["stderr_tail"].splitlines()[-1] if run["stderr_tail"] else "(no stderr)"
        lines.append(f"- {label} run {i} failed ({how}): `{last}`")
    return lines


# --------------------------------------------------------------------------------------------
# The report


def reported(runs: list[dict[str, Any]]) -> int | None:
    """The ``triples`` a side's ``--timings`` reported (its first successful run), if any."""
    for run in ok_runs(runs):
        triples = (run.get("timings") or {}).get("triples")
        if isinstance(triples, int):
            return triples
    return None


def pyshacl_verdict(timings: Mapping[str, Any]) -> str:
    """What pySHACL said in a baseline run (from its timings file).

    >>> pyshacl_verdict({"conforms": False, "results": 611, "violations": 17})
    'conforms False, 611 results, 17 of them violations'
    """
    return (
        f"conforms {timings.get('conforms')}, {timings.get('results')} results, "
        f"{timings.get('violations')} of them violations"
    )


def size_section(size: dict[str, Any]) -> list[str]:
    """The stage table of one size, the totals, the incremental rebuild."""
    kg_runs, base_runs = size["kg_cold"], size["baseline"]
    kg_stages, base_stages = stage_figures(kg_runs), stage_figures(base_runs)
    names = [n for n in kg_stages if n != OTHER]
    names += [n for n in base_stages if n != OTHER and n not in names]
    kg_total, base_total = process_figures(kg_runs), process_figures(base_runs)
    lines = [
        f"## {size['label']}: {size['triples']:,} triples",
        "",
        f"{size['regions']:,} synthetic regions in {size['files']} source files "
        f"({size['data_bytes'] / MB:,.2f} MB of TriG; one file, `{SMALL_FILE}`, is one region).",
        "Seconds; kg cold: a fresh empty `KG_CACHE_DIR` each run.",
        "",
        "| stage | kg wall | kg cpu | baseline wall | baseline cpu | baseline/kg wall |",
        "|---|---|---|---|---|---|",
    ]

    def row(name: str, kg: dict[str, Any] | None, base: dict[str, Any] | None) -> str:
        kg_wall = kg["wall"] if kg else None
        base_wall = base["wall"] if base else None
        cells = [
            name,
            spread(kg_wall),
            seconds(kg["cpu"]["median"] if kg else None),
            spread(base_wall),
            seconds(base["cpu"]["median"] if base else None),
            times(
                ratio(
                    base_wall["median"] if base_wall else None,
                    kg_wall["median"] if kg_wall else None,
                )
            ),
        ]
        return "| " + " | ".join(cells) + " |"

    for name in [*names, OTHER]:
        lines.append(row(name, kg_stages.get(name), base_stages.get(name)))
    lines.append(row(f"**{WHOLE}**", kg_total, base_total))
    wall_ratio = ratio(
        base_total["wall"]["median"] if base_total else None,
        kg_total["wall"]["median"] if kg_total else None,
    )
    cpu_ratio = ratio(
        base_total["cpu"]["median"] if base_total else None,
        kg_total["cpu"]["median"] if kg_total else None,
    )
    incremental = process_figures(size["kg_incremental"])
    lines += [
        "",
        f"Baseline/kg, whole process: wall **{times(wall_ratio)}**, CPU **{times(cpu_ratio)}**."
        f" Peak RSS: kg {megabytes(kg_total['maxrss_bytes'] if kg_total else None)},"
        f" baseline {megabytes(base_total['maxrss_bytes'] if base_total else None)}.",
        f"Incremental `kg build` (one label changed in `{SMALL_FILE}`, the cache and output of"
        f" the previous build): wall {spread(incremental['wall'] if incremental else None)}"
        f" s, CPU {seconds(incremental['cpu']['median'] if incremental else None)} s,"
        f" peak RSS {megabytes(incremental['maxrss_bytes'] if incremental else None)}.",
    ]
    verdicts = sorted(
        {
            pyshacl_verdict(r["timings"])
            for r in ok_runs(base_runs)
            if "conforms" in (r.get("timings") or {})
        }
    )
    if verdicts:
        lines.append(f"pySHACL in the baseline: {'; '.join(verdicts)}.")
    counted = [
        f"{side} {n:,}"
        for side, n in (("kg", reported(kg_runs)), ("baseline", reported(base_runs)))
        if n is not None
    ]
    if counted:
        lines.append(
            "Triples in the graph each side built (data, model and, for kg, derived provenance): "
            + ", ".join(counted)
            + "."
        )
    problems = failures("kg build cold", kg_runs) + failures("baseline", base_runs)
    problems += failures("kg build incremental", size["kg_incremental"])
    if problems:
        lines += ["", *problems]
    return [*lines, ""]


def query_section(queries: dict[str, Any], runs: int, cli_runs: int) -> list[str]:
    """The named queries (in-process and as processes), ``--list`` and ``--help``."""
    in_process = queries["in_process"] or {}
    lines = [
        f"## Queries and the command line on the {queries['size']} store",
        "",
        "`kg query NAME --data DIR --format csv` (Turtle for graphs), `KG_CACHE_DIR` at the"
        f" built cache: the whole process, median (min–max) of {runs}; in-process:"
        f" {queries['in_process_note']}.",
        "",
        "| query | kind | in-process median | `kg query` wall | cpu | peak RSS | output |",
        "|---|---|---|---|---|---|---|",
    ]
    problems: list[str] = []
    for entry in queries["named"]:
        figures = process_figures(entry["runs"])
        label = f"{entry['name']} (analytics)" if entry["analytics"] else entry["name"]
        inside = in_process.get(entry["name"])
        out = entry["runs"][-1]["stdout_bytes"]
        lines.append(
            f"| {label} | {entry['kind']} | {millis(inside['median'] if inside else None)} | "
            f"{spread(figures['wall'] if figures else None)} | "
            f"{seconds(figures['cpu']['median'] if figures else None)} | "
            f"{megabytes(figures['maxrss_bytes'] if figures else None)} | {out:,} bytes |"
        )
        problems += failures(f"kg query {entry['name']}", entry["runs"])
    lines += [
        "",
        f"| command | wall, median (min–max) of {cli_runs} | cpu | peak RSS |",
        "|---|---|---|---|",
    ]
    for key, command in (("list", "kg query --list"), ("help", "kg --help")):
        figures = process_figures(queries[key])
        lines.append(
            f"| `{command}` | {spread(figures['wall'] if figures else None)} | "
            f"{seconds(figures['cpu']['median'] if figures else None)} | "
            f"{megabytes(figures['maxrss_bytes'] if figures else None)} |"
        )
        problems += failures(command, queries[key])
    if problems:
        lines += ["", *problems]
    return [*lines, ""]


TARGETS = (
    "`kg build` ≤ 40 s wall",
    "≥ 10× faster than the plain pipeline (wall)",
    "peak RSS ≤ 2 GB",
    "named queries ≤ 100 ms in-process (analytics ≤ 3 s)",
    "`kg query NAME` ≤ 0.5 s (whole process)",
    "`kg query --list` ≤ 0.3 s",
    "`kg --help` ≤ 0.2 s",
    "incremental rebuild ≤ 5 s",
)
"""The targets of issue #8, for 1M triples, in the order of the report's table."""


NEAR_1M = 900_000
"""Below this many triples, a target's verdict says which size it was judged at."""


def verdict(value: float | None, limit: float, *, at_least: bool = False) -> str:
    """``yes``/``no`` for ``value`` against ``limit`` (``n/a`` when not measured)."""
    if value is None:
        return "n/a"
    return "yes" if (value >= limit if at_least else value <= limit) else "no"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(target, measured, met?)`` for each of :data:`TARGETS`, at the largest size."""
    if not results["sizes"]:
        return [(t, "not measured", "n/a") for t in TARGETS]
    size = max(results["sizes"], key=lambda s: s["triples"])
    at = f" at {size['label']}"
    kg, base = process_figures(size["kg_cold"]), process_figures(size["baseline"])
    incremental = process_figures(size["kg_incremental"])
    build = kg["wall"]["median"] if kg else None
    speed = ratio(base["wall"]["median"] if base else None, build)
    cpu_speed = ratio(base["cpu"]["median"] if base else None, kg["cpu"]["median"] if kg else None)
    every = [*size["kg_cold"], *size["kg_incremental"]]
    rss = max((r["maxrss_bytes"] for r in ok_runs(every)), default=None)
    rows = [
        (TARGETS[0], f"{seconds(build)} s{at}", verdict(build, 40)),
        (
            TARGETS[1],
            f"{times(speed)} (CPU {times(cpu_speed)}){at}",
            verdict(speed, 10, at_least=True),
        ),
        (TARGETS[2], f"{megabytes(rss)}{at} (kg builds)", verdict(rss, 2e9)),
    ]
    queries = results.get("queries")
    if queries is None:
        rows += [(t, "not measured", "n/a") for t in TARGETS[3:7]]
    else:
        rows += query_targets(queries)
    inc = incremental["wall"]["median"] if incremental else None
    rows.append((TARGETS[7], f"{seconds(inc)} s{at}", verdict(inc, 5)))
    if size["triples"] < NEAR_1M:  # a verdict on a smaller graph says little about 1M
        size_free = (TARGETS[5], TARGETS[6])
        rows = [
            (t, m, f"{v} (at {size['label']}, not 1M)" if v != "n/a" and t not in size_free else v)
            for t, m, v in rows
        ]
    return rows


def query_targets(queries: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The four query and command-line rows of :func:`targets`."""
    at = f" at {queries['size']}"
    named = queries["named"]
    inside = queries["in_process"]
    if inside and all(e["name"] in inside for e in named):

        def slowest(analytics: bool) -> tuple[float, str] | None:
            found = [
                (inside[e["name"]]["median"], e["name"])
                for e in named
                if e["analytics"] == analytics
            ]
            return max(found) if found else None

        plain, heavy = slowest(False), slowest(True)
        measured = f"slowest {millis(plain[0])} ({plain[1]})" if plain else "no plain query"
        if heavy:
            measured += f"; analytics {millis(heavy[0])} ({heavy[1]})"
        met = all(
            verdict(found[0], limit) == "yes"
            for found, limit in ((plain, 0.1), (heavy, 3.0))
            if found is not None
        )
        in_process = (TARGETS[3], measured + at, "yes" if met else "no")
    else:
        in_process = (TARGETS[3], queries["in_process_note"], "n/a")
    plain_runs = [e for e in named if not e["analytics"]]
    figures = [(process_figures(e["runs"]), e["name"]) for e in plain_runs]
    if not figures:
        process_row = (TARGETS[4], "no named query measured", "n/a")
    elif any(f is None for f, _ in figures):
        broken = ", ".join(name for f, name in figures if f is None)
        process_row = (TARGETS[4], f"failed: {broken}", "no")
    else:
        worst, name = max((f["wall"]["median"], n) for f, n in figures if f is not None)
        process_row = (
            TARGETS[4],
            f"slowest median {seconds(worst)} s ({name}; analytics queries not counted){at}",
            verdict(worst, 0.5),
        )
    rows = [in_process, process_row]
    for target, key, limit in ((TARGETS[5], "list", 0.3), (TARGETS[6], "help", 0.2)):
        figure = process_figures(queries[key])
        value = figure["wall"]["median"] if figure else None
        rows.append((target, f"{seconds(value)} s (median)", verdict(value, limit)))
    return rows


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, system, Python and library versions, load, commit."""

    def first(path: str, key: str) -> str | None:
        try:
            for line in Path(path).read_text("utf-8").splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    memory = first("/proc/meminfo", "MemTotal")
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(
        ["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": first("/proc/cpuinfo", "model name") or platform.processor() or None,
        "memory_bytes": int(memory.split()[0]) * 1024 if memory else None,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "libraries": versions,
        "load_average": list(os.getloadavg()),
        "commit": commit or None,
    }


def report(results: dict[str, Any]) -> str:
    """The Markdown report of ``results`` (the ``results.json`` document)."""
    m = results["machine"]
    libraries = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    memory = f"{m['memory_bytes'] / 2**30:.1f} GiB RAM" if m["memory_bytes"] else "RAM unknown"
    load = "/".join(f"{x:.1f}" for x in m["load_average"])
    end = "/".join(f"{x:.1f}" for x in results["load_average_end"])
    runs, cli_runs = results["runs"], results["cli_runs"]
    baseline_runs = results.get("baseline_runs", runs)
    base_runs = "" if baseline_runs == runs else f" (the baseline: {plural(baseline_runs, 'run')})"
    timings = (
        ""
        if results["kg_build_timings"]
        else (" This `kg build` has no `--timings` option yet: its stages read n/a.")
    )
    lines = [
        "# Benchmarks: `kg build` against the plain rdflib + pySHACL pipeline",
        "",
        f"Made by `{results['command']}`, {results['started']} to"
        f" {results['finished']}, commit {m['commit'] or 'unknown'}.",
        f"Machine: {m['cores']} cores ({m['usable_cores']} usable), {m['cpu'] or 'CPU unknown'},"
        f" {memory}; {m['system']}; Python {m['python']}; {libraries}."
        f" Load average (1/5/15 min) {load} at the start, {end} at the end: the machine is"
        " shared, so trust ratios and medians over any one time.",
        "",
        f"Every figure is a fresh process timed around `os.wait4`: wall, CPU (user + system,"
        f" with the children it waited for) and peak RSS (MB = 10⁶ bytes). Median (min–max)"
        f" of {plural(runs, 'run')}{base_runs}, kg and baseline interleaved. kg: `kg build"
        " --data DIR --out OUT --timings T -q`; stages from its `--timings` file, `other` is"
        " the rest of the process."
        + timings
        + " Baseline: `bench/baseline.py DIR` — rdflib `Dataset` load of"
        " the data and the model, the union as one `Graph`, `pyshacl.validate(inference="
        "\"none\", advanced=True)`, rdflib's Turtle and JSON-LD (with the project's context).",
        "",
    ]
    for size in results["sizes"]:
        lines += size_section(size)
    if results.get("queries"):
        lines += query_section(results["queries"], runs, cli_runs)
    lines += [
        "## Targets (issue #8)",
        "",
        "The targets are for 1M triples; each is judged at the largest size measured.",
        "",
        "| target | measured | met? |",
        "|---|---|---|",
        *(f"| {t} | {measured} | {met} |" for t, measured, met in targets(results)),
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Running it all


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def now() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="bench/run.py", description=(__doc__ or "").splitlines()[0]
    )
    add: Callable[..., Any] = found.add_argument
    add(
        "--sizes",
        type=parse_size,
        nargs="+",
        default=[parse_size(s) for s in ("10k", "100k", "1m")],
        metavar="SIZE",
        help="10k, 100k, 1m (about that many triples) or rN (N regions)",
    )
    add("--runs", type=int, default=3, help="runs of each build and query (default 3)")
    add("--baseline-runs", type=int, help="runs of the baseline (default: --runs)")
    add("--cli-runs", type=int, default=5, help="runs of --list and --help (default 5)")
    add("--files", type=int, default=20, help="source files the regions are split over")
    add("--queries", nargs="+", metavar="NAME", help="only these named queries (default all)")
    add("--out", type=Path, default=HERE, help="folder for REPORT.md and results.json")
    add("--work", type=Path, help="make the work folder (data, builds) in here (default /tmp)")
    add("--keep", action="store_true", help="keep the generated data and builds")
    add("--render", type=Path, metavar="RESULTS", help="only write OUT/REPORT.md from this JSON")
    return found


def check_query_names(names: list[str] | None) -> str | None:
    """Why ``--queries`` cannot be run (a name not in the catalogue), before the long part."""
    if names is None:
        return None
    from kg.query import queries as catalogue

    unknown = [n for n in names if n not in catalogue.catalogue()]
    if unknown:
        return f"--queries: no named query {', '.join(unknown)} (kg query --list shows them)"
    return None


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.render is not None:
        return render(args.render, args.out)
    if args.baseline_runs is None:
        args.baseline_runs = args.runs
    for option in ("runs", "baseline_runs", "cli_runs", "files"):
        if getattr(args, option) < 1:
            cli.error(f"--{option.replace('_', '-')} must be at least 1")
    labels = [s.label for s in args.sizes]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        cli.error(f"--sizes: {', '.join(twice)} given more than once")
    if not KG.exists():
        cli.error(f"{KG} is missing: install the project first (make .venv/.installed)")
    problem = check_query_names(args.queries)
    if problem:
        cli.error(problem)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-", dir=args.work))
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    results: dict[str, Any] = {
        "command": command,
        "started": now(),
        "machine": machine(),
        "runs": args.runs,
        "baseline_runs": args.baseline_runs,
        "cli_runs": args.cli_runs,
        "kg_build_timings": kg_build_has_timings(),
        "sizes": [],
        "queries": None,
        "finished": None,
        "load_average_end": None,
    }
    bench = Bench(
        args.runs,
        args.baseline_runs,
        args.cli_runs,
        args.files,
        work,
        results["kg_build_timings"],
        args.queries,
    )
    progress(f"work folder {work}; kg build --timings: {'yes' if bench.with_timings else 'no'}")
    try:
        calibration = calibrate(work / "calibration")
        progress(f"{calibration.per_region} triples per region, {calibration.per_file} per file")
        results["calibration"] = {
            "per_region": calibration.per_region,
            "per_file": calibration.per_file,
        }
        for size in args.sizes:
            results["sizes"].append(measure_size(bench, size, calibration))
            save(args.out, results)  # so far: an interrupted run keeps what it measured
        largest = max(results["sizes"], key=lambda s: s["triples"])
        results["queries"] = measure_queries(bench, largest)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["finished"] = now()
    results["load_average_end"] = list(os.getloadavg())
    save(args.out, results)
    write_atomic(args.out / "REPORT.md", report(results))
    kept = f"; kept the data and builds in {work}" if args.keep else ""
    progress(f"wrote {args.out / 'REPORT.md'} and {args.out / 'results.json'}{kept}")
    return 0


def render(results: Path, out: Path) -> int:
    """Write ``out/REPORT.md`` from a ``results.json`` of an earlier run (nothing measured)."""
    try:
        document = json.loads(results.read_text("utf-8"))
        text = report(document)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(
            f"bench/run.py: error: {results}: not a results.json of bench/run.py ({exc})",
            file=sys.stderr,
        )
        return 2
    write_atomic(out / "REPORT.md", text)
    progress(f"wrote {out / 'REPORT.md'} from {results}")
    return 0


def save(out: Path, results: dict[str, Any]) -> None:
    """Write ``out/results.json`` (atomically)."""
    write_atomic(out / "results.json", json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
