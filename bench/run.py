"""Benchmarks: load, validate, query and export at growing sizes; writes bench/REPORT.md.

Speed is shown here, not asserted in tests (timed asserts are flaky on shared machines). Each
size is a synthetic data folder made by ``bench/synthetic.py`` in the project's model (same
ontology, shapes and queries as the real data). Every step is timed with ``time.perf_counter``
as the best of ``--repeat`` runs; the report gives the figures and the ratios between engines.

Usage: ``python bench/run.py [--regions 10 100 300] [--validate-max 100] [--repeat 1]``
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
from kg.engines import Engine, RdflibEngine, run  # noqa: E402
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


def engines(dataset: Any) -> dict[str, Engine]:
    """The in-process engines to compare (pyoxigraph when the engine exists)."""
    found: dict[str, Engine] = {"rdflib": RdflibEngine(dataset)}
    try:
        from kg.engines import OxigraphEngine  # type: ignore[attr-defined]
    except ImportError:
        return found
    found["oxigraph"] = OxigraphEngine(dataset)
    return found


def measure(regions: int, repeat: int, validate_max: int) -> dict[str, Any]:
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
    for name, engine in engines(dataset).items():
        if name != "rdflib":
            start = time.perf_counter()
            engine = engines(dataset)[name]
            row[f"load_{name}_s"] = time.perf_counter() - start
        total, answers = best_of(repeat, lambda e=engine: {q.name: run(q, e) for q in named})
        row[f"queries_{name}_s"] = total
        row[f"answers_{name}"] = {k: len(v.as_set()) for k, v in answers.items()}
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
    same = all(
        r.get("answers_rdflib") == r.get("answers_oxigraph", r.get("answers_rdflib")) for r in rows
    )
    lines += [
        "",
        f"Both engines gave the same number of rows for every named query at every size: {same}.",
        "Validation (pySHACL) is skipped above `--validate-max` regions (DESIGN.md: its cost).",
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
    parser.add_argument("--regions", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--validate-max", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "REPORT.md")
    args = parser.parse_args()
    rows = []
    for regions in args.regions:
        row = measure(regions, args.repeat, args.validate_max)
        print(json.dumps({k: v for k, v in row.items() if not k.startswith("answers")}))
        rows.append(row)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    args.out.write_text(report(rows), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
