"""Benchmarks: load, validate, query and export at growing sizes; writes bench/REPORT.md.

Speed is shown here, not asserted in tests (timed asserts are flaky on shared machines). Each
size is a synthetic data folder made by ``bench/synthetic.py`` in the project's model (same
ontology, shapes and queries as the real data). Every step is timed with ``time.perf_counter``
as the best of ``--repeat`` runs; the report gives the figures and the ratios between engines.

Usage: ``python bench/run.py [--regions 10 30 100 300 1000] [--validate-max 100]
[--rdflib-max 100] [--repeat 1]``
(``make bench`` runs the defaults).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from kg import queries as catalogue  # noqa: E402
from kg.dataset import load_dataset  # noqa: E402
from kg.engines import Engine, OxigraphEngine, RdflibEngine, run  # noqa: E402
from kg.export import FORMATS, Snapshot  # noqa: E402
from kg.validate import validate  # noqa: E402

HERE = Path(__file__).resolve().parent


def best_of(repeat: int, step: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` runs of ``step``, and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - start)
    return best, result


def engines(dataset: Any, with_rdflib: bool = True) -> dict[str, Engine]:
    """The in-process engines to compare."""
    found: dict[str, Engine] = {"rdflib": RdflibEngine(dataset)} if with_rdflib else {}
    found["oxigraph"] = OxigraphEngine(dataset)
    return found


def measure(regions: int, repeat: int, validate_max: int, rdflib_max: int) -> dict[str, Any]:
    """Every figure for one size."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic.write(folder, regions)
        load_s, dataset = best_of(repeat, lambda: load_dataset(folder))
    row: dict[str, Any] = {"regions": regions, "triples": len(dataset), "load_rdflib_s": load_s}
    if regions <= validate_max:
        row["validate_s"], report = best_of(repeat, lambda: validate(dataset))
        row["violations"] = len(report.violations)
    named = [q for q in catalogue.catalogue().values() if not q.is_violation]
    start = time.perf_counter()
    OxigraphEngine(dataset)
    row["load_oxigraph_s"] = time.perf_counter() - start
    answers: dict[str, dict[str, Any]] = {}
    for name, engine in engines(dataset, with_rdflib=regions <= rdflib_max).items():
        total, answers[name] = best_of(
            repeat, lambda e=engine: {q.name: run(q, e).as_set() for q in named}
        )
        row[f"queries_{name}_s"] = total
    row["rows"] = sum(len(a) for a in answers["oxigraph"].values())
    if "rdflib" in answers:
        row["same_answers"] = answers["rdflib"] == answers["oxigraph"]
    snapshot_s, snapshot = best_of(repeat, lambda: Snapshot.of(dataset))
    row["snapshot_s"] = snapshot_s
    for fmt in FORMATS:
        row[f"export_{fmt}_s"], _ = best_of(repeat, lambda f=fmt: snapshot.render(f))
    return row


def report(rows: list[dict[str, Any]]) -> str:
    """The Markdown report."""
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`bench/run.py`) on synthetic regions from `bench/synthetic.py`;",
        f"Python {platform.python_version()} on {platform.machine()},"
        f" {platform.system()} ({_cores()} cores). Seconds, best of the runs; lower is better.",
        "",
        "| regions | triples | load (rdflib) | validate | queries rdflib | queries oxigraph"
        " | rdflib/oxigraph | oxigraph load | snapshot | " + " | ".join(FORMATS) + " |",
        "|---" * (9 + len(FORMATS)) + "|",
    ]
    for r in rows:
        rd = r.get("queries_rdflib_s")
        ox = r.get("queries_oxigraph_s")
        ratio = f"{rd / ox:.1f}×" if rd and ox else "–"
        lines.append(
            f"| {r['regions']} | {r['triples']} | {r['load_rdflib_s']:.2f} | "
            f"{_fmt(r.get('validate_s'))} | {_fmt(rd)} | {_fmt(ox)} | {ratio} | "
            f"{_fmt(r.get('load_oxigraph_s'))} | {r['snapshot_s']:.2f} | "
            + " | ".join(_fmt(r.get(f"export_{f}_s")) for f in FORMATS)
            + " |"
        )
    compared = [r["regions"] for r in rows if "same_answers" in r]
    same = all(r["same_answers"] for r in rows if "same_answers" in r)
    lines += [
        "",
        f"rdflib and pyoxigraph gave the same answers (as sets) to every named query at"
        f" {', '.join(map(str, compared))} regions: {same}.",
        "Validation (pySHACL) is skipped above `--validate-max` regions (DESIGN.md: its cost),",
        "and the queries on rdflib above `--rdflib-max` regions (minutes each).",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, nargs="+", default=[10, 30, 100, 300, 1000])
    parser.add_argument("--validate-max", type=int, default=100)
    parser.add_argument("--rdflib-max", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "REPORT.md")
    args = parser.parse_args()
    rows = []
    for regions in args.regions:
        row = measure(regions, args.repeat, args.validate_max, args.rdflib_max)
        print(json.dumps(row))
        rows.append(row)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    args.out.write_text(report(rows), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
