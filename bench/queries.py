"""Time every named query on pyoxigraph at scale: ``python bench/queries.py DATA_DIR [--repeat 3]``.

DATA_DIR's TriG files, the ontology (``ontology/*.ttl``) and the code lists
(``ontology/vocab/*.ttl``) are loaded into one in-memory :class:`pyoxigraph.Store` with
pyoxigraph's own parser (``bulk_load``), each in the graph :func:`kg.model.dataset.load_dataset`
gives it; then the union of the named graphs is copied into the default graph, each triple
once, as :class:`kg.query.engines.OxigraphEngine` does (so the answers are the engine's). Each named
query runs with its header's example parameters, bound the way the engines bind them (a
``VALUES`` block, :func:`kg.query.binding.bind`), or with ``--bind substitutions`` the way the
oxigraph engine bound them before (pyoxigraph's ``substitutions``), for comparison.

The figure is the median of ``--repeat`` runs of ``store.query`` with every row (or triple)
read; parsing the SPARQL text is part of it, the safety check (rdflib) is not. The table gives
each query's median wall time, its median CPU time (this thread's: steadier than the wall
clock on a shared machine), its rows and the budget it is held to (100 ms, 3 s for a query
tagged ``analytics``: see :mod:`kg.query.queries`), judged on the wall time. ``--before DIR`` times
older versions of the queries too (bound by ``substitutions``, as the oxigraph engine did),
their runs interleaved with the new ones'. Nothing here is asserted: timed asserts are flaky
on a shared machine.

``time_queries(store, queries, repeat)`` is the function other benchmarks import.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.model import paths  # noqa: E402
from kg.model.dataset import ONTOLOGY_GRAPH, VOCAB_GRAPH  # noqa: E402
from kg.query import binding  # noqa: E402
from kg.query import queries as catalogue  # noqa: E402
from kg.query.engines import to_oxigraph  # noqa: E402
from kg.query.queries import Query  # noqa: E402

QUERY_BUDGET = 0.1
"""Seconds a named query may take at 1M triples."""
ANALYTICS_BUDGET = 3.0
"""Seconds a query tagged ``analytics`` may take."""


def load_store(data_dir: Path) -> ox.Store:
    """DATA_DIR's TriG files with the ontology and code lists, union in the default graph."""
    store = ox.Store()
    for path in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        store.bulk_load(
            path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH)
        )
    for path in sorted(paths.VOCAB_DIR.glob("*.ttl")):
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOCAB_GRAPH))
    files = sorted(data_dir.glob("*.trig")) if data_dir.is_dir() else [data_dir]
    for path in files:
        store.bulk_load(path=path, format=ox.RdfFormat.TRIG)
    default = ox.DefaultGraph()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in store)
    return store


def bound_query(query: Query, how: str = "values") -> tuple[str, dict[ox.Variable, Any] | None]:
    """The text that runs for ``query`` with its example parameters, and substitutions if any.

    ``values``: the engines' way (:func:`kg.query.binding.bind`); ``substitutions``: the text as
    checked and the parameters as pyoxigraph substitutions (the oxigraph engine before).
    """
    parsed = catalogue.check_safe(query.full_text)
    bindings = query.bindings()
    if how == "substitutions":
        subs = {ox.Variable(str(v)): to_oxigraph(t) for v, t in bindings.items()}
        return parsed.text, subs or None
    return binding.bind(parsed, bindings), None


def _drain(result: Any) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)


@dataclass
class Timing:
    """The runs of one query: wall seconds, CPU seconds of this thread, and its rows."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rows: int = 0

    def run(self, store: ox.Store, text: str, subs: dict[ox.Variable, Any] | None) -> None:
        """Run the query once, reading every row (triple; 1 for an ASK)."""
        wall, cpu = time.perf_counter(), time.thread_time()
        self.rows = _drain(store.query(text, substitutions=subs))
        self.cpu.append(time.thread_time() - cpu)
        self.wall.append(time.perf_counter() - wall)


def measure(
    store: ox.Store,
    queries: Iterable[Query],
    repeat: int = 3,
    how: str = "values",
    before: Mapping[str, Query] | None = None,
    before_repeat: int = 1,
) -> tuple[dict[str, Timing], dict[str, Timing]]:
    """Time every query ``repeat`` times, bound ``how``; with ``before``, also the queries of
    the same names there (``before_repeat`` times, bound by substitutions, as the oxigraph
    engine did), each run of one interleaved with a run of the other so that a change in the
    machine's load weighs on both alike. Returns the timings by name: now, and before."""
    now: dict[str, Timing] = {}
    then: dict[str, Timing] = {}
    for query in queries:
        text, subs = bound_query(query, how)
        old = (before or {}).get(query.name)
        old_text, old_subs = bound_query(old, "substitutions") if old else ("", None)
        now[query.name] = Timing()
        if old is not None:
            then[query.name] = Timing()
        for index in range(max(repeat, before_repeat if old else 0)):
            if old is not None and index < before_repeat:
                then[query.name].run(store, old_text, old_subs)
            if index < repeat:
                now[query.name].run(store, text, subs)
    return now, then


def time_queries(
    store: ox.Store, queries: Iterable[Query], repeat: int = 3
) -> dict[str, list[float]]:
    """Seconds of each of ``repeat`` runs of every query (by name), bound as the engines bind,
    every row read to the end."""
    return {name: timing.wall for name, timing in measure(store, queries, repeat)[0].items()}


def budget(query: Query) -> float:
    """The seconds ``query`` may take: 3 s when tagged ``analytics``, else 100 ms."""
    return ANALYTICS_BUDGET if query.is_analytics else QUERY_BUDGET


def _ms(runs: list[float]) -> str:
    return f"{statistics.median(runs) * 1000:10.1f}"


def report(
    queries: Mapping[str, Query], now: Mapping[str, Timing], before: Mapping[str, Timing]
) -> str:
    """The table in ms: name, median before (if timed), median now (wall and CPU), rows, the
    budget and whether the wall median is within it."""
    head = f"{'query':48} {'before':>10} {'now':>10} {'now cpu':>10} {'rows':>8} {'budget':>7}  ok"
    lines = [head]
    for name, timing in now.items():
        limit = budget(queries[name])
        ok = "yes" if statistics.median(timing.wall) <= limit else "NO"
        old = _ms(before[name].wall) if name in before else f"{'-':>10}"
        lines.append(
            f"{name:48} {old} {_ms(timing.wall)} {_ms(timing.cpu)} {timing.rows:8d}"
            f" {limit * 1000:7.0f}  {ok}"
        )
    totals = [
        sum(statistics.median(t.wall) for t in before.values()) if before else None,
        sum(statistics.median(t.wall) for t in now.values()),
        sum(statistics.median(t.cpu) for t in now.values()),
    ]
    cells = " ".join(f"{'-':>10}" if t is None else f"{t * 1000:10.1f}" for t in totals)
    lines.append(f"{'total of medians':48} {cells}")
    return "\n".join(lines)


def _catalogue(folder: Path, only: list[str] | None) -> dict[str, Query]:
    return {
        path.stem: catalogue.load_query(path)
        for path in catalogue.query_files(folder)
        if only is None or path.stem in only
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a folder of TriG files (or one file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query (median)")
    parser.add_argument("--bind", choices=("values", "substitutions"), default="values")
    parser.add_argument("--queries", type=Path, default=None, metavar="DIR", help="not queries/")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        metavar="DIR",
        help="also time these (older) queries, bound by substitutions, for a before column",
    )
    parser.add_argument("--before-repeat", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME")
    args = parser.parse_args()
    start = time.perf_counter()
    store = load_store(args.data)
    print(f"loaded {len(store)} quads in {time.perf_counter() - start:.1f} s", flush=True)
    chosen = _catalogue(args.queries or paths.QUERIES_DIR, args.only)
    older = _catalogue(args.before, args.only) if args.before is not None else None
    now, before = measure(store, chosen.values(), args.repeat, args.bind, older, args.before_repeat)
    print(report(chosen, now, before))


if __name__ == "__main__":
    main()
