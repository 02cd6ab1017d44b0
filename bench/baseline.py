"""The plain pipeline, without this project: what ``kg build`` is measured against.

What a user with rdflib and pySHACL would write to load, validate and publish the graph, and
nothing of ``kg`` (not imported): an rdflib ``Dataset`` parses the data files (every RDF file
in ``DATA_DIR``, by extension) and the model (``ontology/*.ttl``, ``ontology/vocab/*.ttl``);
the union of its graphs is copied into one ``Graph``; ``pyshacl.validate`` checks it against
``ontology/shapes/*.ttl`` (no inference, SHACL-AF on, as ``kg validate`` runs it); rdflib
writes Turtle and JSON-LD (compacted with the project's context, ``ontology/context/v1.jsonld``,
given as a dict: rdflib takes it).

Each stage is timed with ``time.perf_counter`` (wall) and ``time.process_time`` (CPU of this
process) and written to ``--timings`` as ``{"stages": [{"name", "wall", "cpu"}, ...], "wall",
"cpu", "triples"}``: the same shape as ``kg build --timings``, so ``bench/run.py`` puts the two
side by side. The totals are the sums of the stages (start-up and imports are not in them; the
harness measures the whole process itself). The data is not required to conform: pySHACL's
verdict is recorded (``conforms``, ``results``, ``violations``), the exit code is 0 either
way. (It does not conform: kg adds each resource's ``prov:wasDerivedFrom`` on loading, which
the plain pipeline does not. Measured at 10k triples, reporting those violations costs pySHACL
about a tenth more time than validating the same data with the provenance added.)

Usage: ``python bench/baseline.py DATA_DIR --timings OUT.json [--out DIR] [--project ROOT]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import SH
from rdflib.util import guess_format

PROJECT = Path(__file__).resolve().parent.parent
"""The project whose ontology, code lists, shapes and context the pipeline reads."""
TRIPLE_FORMATS = {"turtle", "nt", "xml", "n3"}
"""rdflib formats without named graphs (the model files are Turtle)."""


class Stages:
    """Stage timings in the order they ran."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name`` (wall and this process's CPU, in seconds)."""
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.rows.append(
            {
                "name": name,
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
            }
        )

    def timings(self, **extra: Any) -> dict[str, Any]:
        """The ``--timings`` document: stages, their summed wall and CPU, and ``extra``.

        >>> stages = Stages()
        >>> with stages.stage("load"):
        ...     pass
        >>> document = stages.timings(triples=1)
        >>> [s["name"] for s in document["stages"]], sorted(document)
        (['load'], ['cpu', 'stages', 'triples', 'wall'])
        """
        return {
            "stages": self.rows,
            "wall": sum(r["wall"] for r in self.rows),
            "cpu": sum(r["cpu"] for r in self.rows),
            **extra,
        }


def rdf_files(folder: Path) -> list[Path]:
    """The files in ``folder`` (not recursive) that rdflib can guess a format for, by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and guess_format(str(p)))


def load(data: Path, project: Path) -> Dataset:
    """The data files and the model in one rdflib ``Dataset``; a triple file (the model) gets a
    named graph of its own, named by its file IRI."""
    dataset = Dataset(default_union=True)
    model = sorted((project / "ontology").glob("*.ttl"))
    model += sorted((project / "ontology" / "vocab").glob("*.ttl"))
    files = [data] if data.is_file() else rdf_files(data)
    for path in [*model, *files]:
        fmt = guess_format(str(path)) or "turtle"
        if fmt in TRIPLE_FORMATS:
            dataset.graph(URIRef(path.resolve().as_uri())).parse(path, format=fmt)
        else:
            dataset.parse(path, format=fmt)
    return dataset


def union(dataset: Dataset) -> Graph:
    """Every triple of every graph in one plain ``Graph`` (what pySHACL and Turtle take)."""
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def shapes(project: Path) -> Graph:
    """The project's SHACL shapes, every ``ontology/shapes/*.ttl`` in one graph."""
    graph = Graph()
    for path in sorted((project / "ontology" / "shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def context(project: Path) -> Any:
    """The ``@context`` of the project's JSON-LD context file (rdflib takes the dict)."""
    document = json.loads((project / "ontology" / "context" / "v1.jsonld").read_text("utf-8"))
    return document["@context"]


def run(data: Path, out: Path, project: Path) -> dict[str, Any]:
    """Run the pipeline, writing ``out/plain.ttl`` and ``out/plain.jsonld``; the timings."""
    stages = Stages()
    with stages.stage("load"):
        dataset = load(data, project)
        shapes_graph = shapes(project)
    with stages.stage("union"):
        graph = union(dataset)
    with stages.stage("validate"):
        conforms, report, _ = pyshacl.validate(
            graph, shacl_graph=shapes_graph, inference="none", advanced=True
        )
    severities = list(report.objects(predicate=SH.resultSeverity))
    out.mkdir(parents=True, exist_ok=True)
    exports: list[tuple[str, str, Callable[[], Any]]] = [
        ("turtle", "plain.ttl", lambda: {}),
        ("jsonld", "plain.jsonld", lambda: {"context": context(project)}),
    ]
    for name, filename, options in exports:
        with stages.stage(f"export:{name}"):
            fmt = "json-ld" if name == "jsonld" else name
            graph.serialize(destination=out / filename, format=fmt, **options())
    return stages.timings(
        triples=len(graph),
        conforms=bool(conforms),
        results=len(severities),
        violations=severities.count(SH.Violation),
    )


def write_json(path: Path, document: Any) -> None:
    """Write ``document`` as JSON to ``path`` atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2)
            stream.write("\n")
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder of data files (or one file)")
    parser.add_argument("--timings", type=Path, required=True, help="write the timings here")
    parser.add_argument("--out", type=Path, help="write the exports here (default: a temp dir)")
    parser.add_argument("--project", type=Path, default=PROJECT, help="the project's root")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(
            f"baseline: {args.data}: no such file or folder (give the data folder)", file=sys.stderr
        )
        return 2
    if args.out is not None:
        timings = run(args.data, args.out, args.project)
    else:
        with tempfile.TemporaryDirectory(prefix="kg-baseline-") as tmp:
            timings = run(args.data, Path(tmp), args.project)
    write_json(args.timings, timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
