"""SHACL on the fast path: pySHACL against pyshacl-turbo, and incremental re-validation.

Each measurement runs in a fresh child process (so that its peak RSS is its own): the data is
loaded first (not timed), then one step is timed for wall and CPU seconds, and the child's
peak RSS and its RSS before the step are reported. Sizes are synthetic data from
``bench/synthetic.py`` with the ontology and code lists; the largest reads
``/tmp/syn1m/synthetic.trig`` when it exists (3,500 regions).

Steps:

``pyshacl-dataset`` / ``turbo-dataset``
    ``kg.validation.validate.validate(dataset, engine=…, queries=())`` on the rdflib dataset that
    ``kg.model.dataset.load_dataset`` makes (what ``kg validate`` does; shapes only).
``turbo-store``
    the same on a :class:`pyoxigraph.Store`: the data file bulk-loaded, the ontology and code
    lists as ``kg.model.dataset`` loads them, provenance derived, the union in the default graph.
``queries-store``
    the catalogue's violation queries on that store.
``revalidate-store``
    ``kg.validation.revalidate.revalidation`` after one small change (one organisation number made
    invalid in the source graph), from the full report made before (not timed); the
    ``shacl`` figure leaves out the violation queries (``queries=()``).

Usage: ``python bench/shacl_engines.py [--sizes 10k 100k 1m] [--steps ...] [--repeat 1]``;
prints a Markdown table and writes ``bench/shacl_engines.json``. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

SIZES = {"10k": 35, "100k": 400, "1m": 3500}
"""Regions of synthetic data per size name (about 244 triples a region, plus the model)."""
BIG = Path("/tmp/syn1m/synthetic.trig")
STEPS = (
    "pyshacl-dataset",
    "turbo-dataset",
    "turbo-store",
    "queries-store",
    "revalidate-store",
    "revalidate-shacl",
)
DEFAULT_STEPS = {
    "10k": STEPS,
    "100k": STEPS,
    "1m": ("turbo-store", "queries-store", "revalidate-store", "revalidate-shacl"),
}
"""pySHACL at a million triples takes minutes (some 315 s measured): left out by default."""


def rss_now() -> float:
    """This process's resident set, MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss() -> float:
    """This process's peak resident set so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_store(path: Path) -> Any:
    """The data file in a pyoxigraph store as the fast build keeps it: sources in named graphs
    (the ontology and code lists too, read by kg.model.dataset), provenance derived, the union in
    the default graph."""
    import pyoxigraph as ox

    from kg.model.dataset import load_model, new_dataset
    from kg.query.engines import dataset_nquads

    store = ox.Store()
    store.bulk_load(dataset_nquads(load_model(new_dataset())), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    store.update(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#> "
        "INSERT { GRAPH ?g { ?s prov:wasDerivedFrom ?source } } WHERE { GRAPH ?g { "
        "?g a sg:SourceGraph ; prov:wasDerivedFrom ?source . ?s ?p ?o "
        "FILTER (isIRI(?s) && ?s != ?g && ?s != ?source) } }"
    )
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def one_change(store: Any) -> list[Any]:
    """Make one organisation number invalid (its last digit changed), in its graph and in the
    union; the changed triples."""
    import pyoxigraph as ox

    notation = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
    identifier = ox.NamedNode("https://w3id.org/samarbeidsgrafen/id/identifier/bench-r1-k1-orgnr")
    found = store.quads_for_pattern(identifier, notation, None)
    (quad,) = [q for q in found if q.graph_name != ox.DefaultGraph()]
    old = quad.object
    new = ox.Literal(old.value[:-1] + str((int(old.value[-1]) + 1) % 10))
    for graph in (quad.graph_name, ox.DefaultGraph()):
        store.remove(ox.Quad(identifier, notation, old, graph))
        store.add(ox.Quad(identifier, notation, new, graph))
    return [(identifier, notation, old), (identifier, notation, new)]


def child(step: str, path: Path) -> dict[str, Any]:
    """Load, then time one step; the figures."""
    from kg.model.dataset import load_dataset
    from kg.validation.revalidate import revalidation
    from kg.validation.validate import run_violation_queries, validate

    started = time.perf_counter()
    extra: dict[str, Any] = {}
    data: Any = load_dataset([path]) if step.endswith("-dataset") else load_store(path)
    triples = len(data) if step.endswith("-dataset") else count_default(data)
    loaded = time.perf_counter() - started
    previous = None
    if step.startswith("revalidate"):
        previous = validate(data, queries=None if step == "revalidate-store" else ())
        changed = one_change(data)
    before = rss_now()
    wall, cpu = time.perf_counter(), time.process_time()
    if step in ("pyshacl-dataset", "turbo-dataset", "turbo-store"):
        engine = step.partition("-")[0]
        report = validate(data, engine=engine, queries=())
        extra["summary"] = report.summary()
    elif step == "queries-store":
        extra["rows"] = len(run_violation_queries(None, None, data))
    else:
        assert previous is not None
        queries = None if step == "revalidate-store" else ()
        report, done = revalidation(previous, data, None, changed, queries=queries)
        extra["summary"] = report.summary()
        extra["explanation"] = done.explanation
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "step": step,
        "triples": triples,
        "load_s": round(loaded, 2),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "rss_before_mib": round(before),
        "peak_rss_mib": round(peak_rss()),
        **extra,
    }


def count_default(store: Any) -> int:
    import pyoxigraph as ox

    found = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(found, ox.QuerySolutions)
    return int(next(iter(found))["n"].value)


def run_child(step: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} on {path} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (the median)")
    parser.add_argument("--out", type=Path, default=HERE / "shacl_engines.json")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = BIG if size == "1m" and BIG.exists() else Path(tmp) / size / "synthetic.trig"
            if not path.exists():
                synthetic.write(path.parent, SIZES[size])
            for step in args.steps or DEFAULT_STEPS[size]:
                runs = sorted(
                    (run_child(step, path) for _ in range(args.repeat)), key=lambda r: r["wall_s"]
                )
                row = runs[len(runs) // 2] | {"size": size, "runs": len(runs)}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("| size | triples | step | wall s | CPU s | RSS before MiB | peak RSS MiB | note |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        note = r.get("explanation") or r.get("summary") or f"{r.get('rows', '')} rows"
        print(
            f"| {r['size']} | {r['triples']:,} | {r['step']} | {r['wall_s']:.2f} | "
            f"{r['cpu_s']:.2f} | {r['rss_before_mib']} | {r['peak_rss_mib']} | {note} |"
        )


if __name__ == "__main__":
    main()
