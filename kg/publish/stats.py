"""A short summary of a loaded graph: its graphs, what kinds of things it describes, validation.

``kg stats`` prints it, and ``kg build`` prints the same after a build, so the pieces compose:
:func:`summarize` counts, :func:`render_summary` writes the counts, :func:`render_answers`
writes the answers of a few example queries (catalogue queries tagged ``example``), and
:func:`summary_text` does all three.

>>> from kg.model.dataset import new_dataset
>>> from kg.model.namespaces import ID, PROV, RDF, SG
>>> ds = new_dataset()
>>> g = ds.graph(ID["graph/g"])
>>> for triple in [(ID["graph/g"], RDF.type, SG.SourceGraph),
...                (ID["graph/g"], PROV.wasDerivedFrom, ID["source/s"]),
...                (ID["organization/oyer"], RDF.type, SG.Municipality)]:
...     _ = g.add(triple)
>>> print(render_summary(summarize(ds)))
3 triples in 1 graph
<BLANKLINE>
graph         kind    source         triples
------------  ------  -------------  -------
sgid:graph/g  source  sgid:source/s  3
<BLANKLINE>
class            entities
---------------  --------
sg:Municipality  1
sg:SourceGraph   1
<BLANKLINE>
validation: not run
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.model.dataset import ONTOLOGY_GRAPH, VOCAB_GRAPH, source_graph_iris
from kg.model.namespaces import PROV, RDF
from kg.model.render import shorten, table
from kg.query.engines import Engine, QueryResult, RdflibEngine, catalogue_limits, run
from kg.query.queries import Query, get, tagged
from kg.validation.validate import ValidationReport

EXAMPLE_TAG = "example"
"""Catalogue queries with this tag are the ones a summary answers."""

MODEL_GRAPHS = {ONTOLOGY_GRAPH: "ontology", VOCAB_GRAPH: "vocabularies"}


@dataclass(frozen=True)
class GraphCount:
    """One graph of the dataset: its name, what it holds, its source document and its size."""

    iri: URIRef | None
    """``None`` for the default graph."""
    kind: str
    """``source``, ``ontology``, ``vocabularies``, ``default`` or ``other``."""
    source: URIRef | None
    triples: int
    adds: tuple[tuple[URIRef, int], ...] = ()
    """What the graph adds: its main kinds of things (class → resources typed so in it)."""


@dataclass(frozen=True)
class Summary:
    """Counts that describe a dataset (and, when given, its validation)."""

    triples: int
    """Distinct triples in the union of the graphs."""
    graphs: tuple[GraphCount, ...]
    classes: tuple[tuple[URIRef, int], ...]
    """Class → number of distinct resources typed with it outside the model graphs, most first."""
    violations: int | None = None
    warnings: int | None = None


def summarize(dataset: Dataset, report: ValidationReport | None = None) -> Summary:
    """Count the triples per graph, the typed resources per class and the validation results."""
    sources = source_graph_iris(dataset)
    graphs: list[GraphCount] = []
    typed: dict[URIRef, set[object]] = defaultdict(set)
    for graph in dataset.graphs():
        size = len(graph)
        if not size:
            continue
        iri = graph.identifier
        if iri == DATASET_DEFAULT_GRAPH_ID:
            graphs.append(GraphCount(None, "default", None, size))
        elif iri in MODEL_GRAPHS:
            graphs.append(GraphCount(URIRef(iri), MODEL_GRAPHS[URIRef(iri)], None, size))
            continue
        else:
            found = sorted(str(o) for o in graph.objects(iri, PROV.wasDerivedFrom))
            source = URIRef(found[0]) if found else None
            kind = "source" if iri in sources else "other"
            graphs.append(GraphCount(URIRef(iri), kind, source, size))
        for subject, cls in graph.subject_objects(RDF.type):
            if isinstance(cls, URIRef):
                typed[cls].add(subject)
    order = {"source": 0, "other": 1, "default": 2, "ontology": 3, "vocabularies": 4}
    graphs.sort(key=lambda g: (order[g.kind], str(g.iri or "")))
    classes = sorted(((c, len(s)) for c, s in typed.items()), key=lambda i: (-i[1], shorten(i[0])))
    return Summary(
        triples=len(dataset),
        graphs=tuple(graphs),
        classes=tuple(classes),
        violations=len(report.violations) if report is not None else None,
        warnings=len(report.warnings) if report is not None else None,
    )


GRAPH_SIZES = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
GRAPH_SOURCES = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>
SELECT ?g ?source ?isSource WHERE {
  GRAPH ?g { ?g prov:wasDerivedFrom ?source }
  BIND(EXISTS { GRAPH ?g { ?g a sg:SourceGraph } } AS ?isSource)
}
"""
CLASS_COUNTS = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER(isIRI(?class) && ?g NOT IN (<{ONTOLOGY_GRAPH}>, <{VOCAB_GRAPH}>))
}} GROUP BY ?class
"""


GRAPH_CLASSES = """
SELECT ?g ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } FILTER(isIRI(?class)) }
GROUP BY ?g ?class
"""

HELPER_CLASSES = {
    "http://www.w3.org/2006/time#Interval",
    "http://www.w3.org/2006/time#Instant",
    "http://www.w3.org/ns/prov#Entity",
    "http://spdx.org/rdf/terms#Checksum",
    "https://w3id.org/samarbeidsgrafen/ontology#SourceGraph",
    "https://w3id.org/samarbeidsgrafen/ontology#SourceDocument",
    "http://www.w3.org/ns/org#FormalOrganization",
    "http://data.europa.eu/m8g/PublicOrganisation",
    "http://www.w3.org/ns/legal#LegalEntity",
    "http://www.w3.org/ns/org#OrganizationalCollaboration",
}
"""Classes left out of a graph's "adds": the parts of the patterns, and the general classes
every organisation of a more specific kind also has."""


def _adds(store: Any) -> dict[str, tuple[tuple[URIRef, int], ...]]:
    found: dict[str, list[tuple[URIRef, int]]] = defaultdict(list)
    for row in store.query(GRAPH_CLASSES):
        if row["class"].value not in HELPER_CLASSES:
            found[row["g"].value].append((URIRef(row["class"].value), int(row["n"].value)))
    return {g: tuple(sorted(c, key=lambda i: (-i[1], shorten(i[0])))[:4]) for g, c in found.items()}


def summarize_store(
    store: Any, report: ValidationReport | None = None, triples: int | None = None
) -> Summary:
    """:func:`summarize` of a store (see :mod:`kg.model.store`) by a few aggregate queries: its
    named graphs (its default graph holds their union, nothing of its own: a data file may
    state nothing outside a source graph); ``triples`` is the size of the union (default: the
    store's default graph, which holds it in a saved store)."""
    import pyoxigraph as ox

    sizes = {row["g"].value: int(row["n"].value) for row in store.query(GRAPH_SIZES)}
    sources: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, bool] = {}
    for row in store.query(GRAPH_SOURCES):
        if isinstance(row["source"], ox.NamedNode):
            sources[row["g"].value].append(row["source"].value)
        kinds[row["g"].value] = kinds.get(row["g"].value, False) or row["isSource"].value == "true"
    adds = _adds(store)
    graphs: list[GraphCount] = []
    for iri, size in sizes.items():
        if URIRef(iri) in MODEL_GRAPHS:
            graphs.append(GraphCount(URIRef(iri), MODEL_GRAPHS[URIRef(iri)], None, size))
            continue
        found = sorted(sources.get(iri, []))
        kind = "source" if kinds.get(iri) else "other"
        source = URIRef(found[0]) if found else None
        graphs.append(GraphCount(URIRef(iri), kind, source, size, adds.get(iri, ())))
    order = {"source": 0, "other": 1, "default": 2, "ontology": 3, "vocabularies": 4}
    graphs.sort(key=lambda g: (order[g.kind], str(g.iri or "")))
    counted = [
        (URIRef(row["class"].value), int(row["n"].value)) for row in store.query(CLASS_COUNTS)
    ]
    classes = sorted(counted, key=lambda i: (-i[1], shorten(i[0])))
    if triples is None:
        total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        triples = next(int(row["n"].value) for row in total)
    return Summary(
        triples=triples,
        graphs=tuple(graphs),
        classes=tuple(classes),
        violations=len(report.violations) if report is not None else None,
        warnings=len(report.warnings) if report is not None else None,
    )


def render_summary(summary: Summary, validation_note: str | None = None) -> str:
    """The summary as text: totals, a table of graphs, a table of classes, a validation line.

    ``validation_note`` says why there is no validation line (e.g. no shapes yet).
    """
    count = len(summary.graphs)
    lines = [f"{summary.triples} triples in {count} graph{'' if count == 1 else 's'}", ""]
    # "adds" (the main kinds of things each graph types) is counted on a store
    # (summarize_store); a summary without it has no such column.
    with_adds = any(g.adds for g in summary.graphs)
    header = ["graph", "kind", "source", "triples"] + (["adds"] if with_adds else [])
    rows = []
    for g in summary.graphs:
        row = [shorten(g.iri) or "(default)", g.kind, shorten(g.source), str(g.triples)]
        if with_adds:
            row.append(", ".join(f"{n} {shorten(c)}" for c, n in g.adds))
        rows.append(row)
    lines.append(table(header, rows))
    lines.append("")
    if summary.classes:
        classes = ([shorten(c), str(n)] for c, n in summary.classes)
        lines.append(table(["class", "entities"], classes))
    else:
        lines.append("no typed entities")
    lines.append("")
    if summary.violations is not None:
        v, w = summary.violations, summary.warnings
        lines.append(
            f"validation: {v} violation{'' if v == 1 else 's'}, {w} warning{'' if w == 1 else 's'}"
        )
    else:
        lines.append(f"validation: not run{f' ({validation_note})' if validation_note else ''}")
    return "\n".join(lines)


def catalogue_examples(folder: Path | None = None, limit: int = 3) -> list[Query]:
    """The catalogue's queries tagged ``example`` (at most ``limit``, in name order)."""
    return tagged(EXAMPLE_TAG, folder)[:limit]


def render_answers(answers: Mapping[str, tuple[Query, QueryResult]]) -> str:
    """Each query's title and name, then its answer as a table."""
    blocks = []
    for name, (query, result) in answers.items():
        title = query.title or name
        blocks.append(f"{title} ({name}):\n{result.to_table()}")
    return "\n\n".join(blocks)


def answer(queries: Sequence[Query], engine: Engine) -> dict[str, tuple[Query, QueryResult]]:
    """Run each query with its example parameters."""
    return {q.name: (q, run(q, engine)) for q in queries}


def summary_text(
    dataset: Dataset | Summary,
    report: ValidationReport | None = None,
    example_queries: Sequence[str | Query] | None = (),
    *,
    engine: Engine | None = None,
    validation_note: str | None = None,
) -> str:
    """Summary, then the answers of ``example_queries`` (names or queries; ``None``: the
    catalogue's queries tagged ``example``; empty: no answers)."""
    summary = dataset if isinstance(dataset, Summary) else summarize(dataset, report)
    text = render_summary(summary, validation_note)
    if example_queries is None:
        chosen = catalogue_examples()
    else:
        chosen = [q if isinstance(q, Query) else get(q) for q in example_queries]
    if chosen:
        if engine is None:
            assert isinstance(dataset, Dataset), "give the engine with a Summary"
            engine = RdflibEngine(dataset, catalogue_limits())
        answers = answer(chosen, engine)
        text += "\n\n" + render_answers(answers)
    return text


__all__ = [
    "EXAMPLE_TAG",
    "GraphCount",
    "Summary",
    "answer",
    "catalogue_examples",
    "render_answers",
    "render_summary",
    "summarize",
    "summarize_store",
    "summary_text",
]
