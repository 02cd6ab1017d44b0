"""JSON-LD against data size: the PyLD path and the linear writer, time and peak memory.

A benchmark, not a test. For synthetic data of about 10k, 30k and 100k triples (model
included) it writes the compact document and the three framed views both ways, the PyLD path
(``expand`` → ``pyld_compact`` / ``pyld_frame`` → ``dumps``) and
:class:`kg.model.jsonld.JsonLdWriter` (sorted N-Triples lines → bytes), checks that the bytes agree,
and reports wall time, CPU time and peak memory; then the linear writer alone at about 1M
triples, from ``/tmp/syn1m/synthetic.trig`` (read, never written).

Each measurement runs in a fresh process: "extra RSS" is its peak RSS while it works (the
peak is reset through ``/proc/self/clear_refs`` once the input is read) minus the RSS it
held then, the input included. Times vary on a shared machine: compare
ratios and the time per triple across sizes (linear growth keeps it flat).

Usage::

    .venv/bin/python bench/jsonld_scaling.py            # 10k, 30k, 100k (both) and 1M (linear)
    .venv/bin/python bench/jsonld_scaling.py --sizes 10000 --pyld-max 10000 --no-million

Inputs are cached in ``--work`` (default ``/tmp/jsonld-scaling``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
MILLION = Path("/tmp/syn1m/synthetic.trig")
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
SYNTHETIC_GRAPH = "https://w3id.org/samarbeidsgrafen/id/graph/bench-synthetic"
SYNTHETIC_SOURCE = "https://w3id.org/samarbeidsgrafen/id/source/bench-synthetic"
TRIPLES_PER_REGION = 287  # with the provenance kg adds to each described resource


def _status(field: str) -> float | None:
    """A memory figure of this process from /proc (MB), None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def start_peak() -> float:
    """Reset the peak RSS where Linux allows it; returns the RSS now (MB)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak is the current RSS again
    except OSError:
        pass
    return _status("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    """The peak RSS since :func:`start_peak` (or since the start, without /proc)."""
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------
# Inputs


def model_lines() -> list[str]:
    """The ontology and vocabularies, as kg canonicalises them (blank nodes ``_:c14nN``)."""
    from kg.model import canonical
    from kg.model.dataset import load_dataset
    from kg.publish.export import Snapshot

    triples = Snapshot.of(load_dataset([], with_model=True)).triples
    return canonical.ntriples(triples).splitlines(keepends=True)


def synthetic_lines(work: Path, target: int) -> Path:
    """Sorted canonical lines of the model and synthetic data of about ``target`` triples."""
    from kg.model import canonical
    from kg.model.dataset import load_dataset
    from kg.publish.export import Snapshot

    out = work / f"lines-{target}.nt"
    if out.exists():
        return out
    spec = importlib.util.spec_from_file_location("synthetic", BENCH / "synthetic.py")
    assert spec is not None and spec.loader is not None
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    model = len(model_lines())
    regions = max(1, round((target - model) / TRIPLES_PER_REGION))
    folder = synthetic.write(work / f"data-{target}", regions).parent
    triples = Snapshot.of(load_dataset(folder)).triples
    out.write_text(canonical.ntriples(triples), encoding="utf-8")
    return out


def million_lines(work: Path, trig: Path) -> Path:
    """The model plus ``trig`` read with pyoxigraph, with kg's provenance: sorted lines.

    (kg's loader is too slow for this size; the lead's pipeline reads with pyoxigraph too.)
    """
    import pyoxigraph as ox

    out = work / "lines-million.nt"
    if out.exists() and out.stat().st_mtime >= trig.stat().st_mtime:
        return out
    quads = ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
    triples: set[Any] = set()
    subjects: set[Any] = set()
    for quad in quads:
        triples.add(ox.Triple(quad.subject, quad.predicate, quad.object))
        if isinstance(quad.subject, ox.NamedNode):
            subjects.add(quad.subject)
    source = ox.NamedNode(SYNTHETIC_SOURCE)
    subjects -= {ox.NamedNode(SYNTHETIC_GRAPH), source}
    derived = ox.NamedNode(PROV_DERIVED)
    triples.update(ox.Triple(s, derived, source) for s in subjects)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    lines = sorted(set(model_lines()) | set(data.splitlines(keepends=True)))
    out.write_text("".join(lines), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# One measurement (in a child process)


def child(path_name: str, lines_file: Path) -> dict[str, Any]:
    from kg.model import jsonld

    lines = lines_file.read_text(encoding="utf-8").splitlines(keepends=True)
    count = len(lines)
    sizes: dict[str, int] = {}
    hashes: dict[str, str] = {}

    def keep(name: str, data: bytes) -> None:  # as the build does: write it, let it go
        sizes[name] = len(data)
        hashes[name] = hashlib.sha256(data).hexdigest()

    if path_name == "pyld":
        from rdflib import Graph

        from kg.publish.export import Snapshot

        graph = Graph().parse(data="".join(lines), format="nt")
        triples = Snapshot.of(graph).triples
        del graph, lines
        before = start_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        expanded = jsonld.expand(triples)
        keep("compact", jsonld.dumps(jsonld.pyld_compact(expanded)))
        for kind in jsonld.FRAME_KINDS:
            keep(kind, jsonld.dumps(jsonld.pyld_frame(expanded, kind)))
    else:
        before = start_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        writer = jsonld.JsonLdWriter.from_ntriples(lines)
        keep("compact", writer.compact_bytes())
        for kind in jsonld.FRAME_KINDS:
            keep(kind, writer.frame_bytes(kind))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "triples": count,
        "wall": wall,
        "cpu": cpu,
        "extra_mb": peak_mb() - before,
        "peak_mb": peak_mb(),
        "output_mb": sum(sizes.values()) / 2**20,
        "sha256": hashes,
    }


def measure(path_name: str, lines_file: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", path_name, str(lines_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


# --------------------------------------------------------------------------------------------
# The report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 30_000, 100_000])
    parser.add_argument("--pyld-max", type=int, default=100_000, help="largest size for PyLD")
    parser.add_argument("--million", type=Path, default=MILLION)
    parser.add_argument("--no-million", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jsonld-scaling"))
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "LINES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    inputs = [(size, synthetic_lines(args.work, size)) for size in args.sizes]
    if not args.no_million and args.million.exists():
        inputs.append((1_000_000, million_lines(args.work, args.million)))
    rows = [
        "| triples | path | wall s | CPU s | µs/triple (CPU) | extra RSS MB | output MB | same |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size, lines_file in inputs:
        linear = measure("linear", lines_file)
        pyld = measure("pyld", lines_file) if size <= args.pyld_max else None
        for name, found in (("PyLD", pyld), ("JsonLdWriter", linear)):
            if found is None:
                continue
            same = "" if pyld is None else ("yes" if pyld["sha256"] == linear["sha256"] else "NO")
            per = found["cpu"] / found["triples"] * 1e6
            rows.append(
                f"| {found['triples']:,} | {name} | {found['wall']:.2f} | {found['cpu']:.2f} | "
                f"{per:.1f} | {found['extra_mb']:.0f} | {found['output_mb']:.1f} | {same} |"
            )
        if pyld is not None:
            rows.append(
                f"| | ratio | {pyld['wall'] / linear['wall']:.0f}x | "
                f"{pyld['cpu'] / linear['cpu']:.0f}x | | | | |"
            )
        print("\n".join(rows[-3:] if pyld is not None else rows[-1:]), flush=True)
    table = "\n".join(rows) + "\n"
    print("\n" + table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
