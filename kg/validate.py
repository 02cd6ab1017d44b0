"""Validate the graph: SHACL shapes through pySHACL, plus the ``*-violation`` queries.

The shapes live in ``ontology/shapes/`` (``core.ttl`` holds the ``sh:Violation`` shapes,
``recommended.ttl`` the ``sh:Warning`` ones). pySHACL runs on the union of the dataset's graphs,
which already holds the ontology and the code lists, so ``rdfs:subClassOf`` targets work without
inference and without a separate ontology graph. Every query in ``queries/`` whose name ends in
``-violation`` is part of validation too: each row it returns is a violation (convention 3).

The result is a typed :class:`ValidationReport`: it conforms when nothing is a Violation
(warnings are allowed), lists its results in a fixed order and writes itself as a table, as
JSON or as the report graph in Turtle.

>>> from kg.dataset import new_dataset
>>> from kg.namespaces import ID, RDF, SG
>>> shapes = Graph().parse(format="turtle", data='''
... @prefix sh: <http://www.w3.org/ns/shacl#> .
... @prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
... @prefix sgsh: <https://w3id.org/samarbeidsgrafen/shapes#> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... sgsh:MunicipalityShape a sh:NodeShape ; sh:targetClass sg:Municipality ;
...   sh:property sgsh:MunicipalityLabel .
... sgsh:MunicipalityLabel a sh:PropertyShape ; sh:path rdfs:label ; sh:minCount 1 ;
...   sh:name "label" ; sh:message "Needs a label." .
... ''')
>>> ds = new_dataset()
>>> _ = ds.graph(ID["graph/g"]).add((ID["organization/oyer"], RDF.type, SG.Municipality))
>>> report = validate(ds, shapes, queries=())
>>> report.conforms, report.summary()
(False, '1 violation, 0 warnings')
>>> print(report.to_table())
severity   focus                   path        value  shape                   message
---------  ----------------------  ----------  -----  ----------------------  --------------
Violation  sgid:organization/oyer  rdfs:label         sgsh:MunicipalityLabel  Needs a label.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from typing import Literal as TypingLiteral

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.paths import Path as PropertyPath
from rdflib.term import Node

from kg import canonical, paths
from kg.dataset import new_dataset, parse_file, union_graph
from kg.engines import OxigraphEngine, QueryResult, catalogue_limits, run
from kg.errors import QueryError, ShapesError
from kg.namespaces import ID, RDF, SH, bind_prefixes
from kg.queries import Query, violation_queries
from kg.render import path_text, shorten, table

Severity = TypingLiteral["Violation", "Warning", "Info"]
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
"""From most to least severe."""

SHAPES_GRAPH = ID["graph/shapes"]
"""Graph name the shapes files are read into (they never enter the data)."""

QUERY_SHAPE_SCHEME = "query:"
"""A violation query's result names the query as its shape: ``query:NAME``."""


# --------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class ValidationResult:
    """One finding: which node breaks which shape, where, with what value, and why."""

    severity: str
    """``Violation``, ``Warning`` or ``Info``."""
    focus_node: Node | None
    path: URIRef | PropertyPath | Node | None
    """A property IRI, an rdflib property path for a complex SHACL path, or ``None``."""
    value: Node | None
    shape: Node | None
    """The shape's IRI, or ``query:NAME`` for a row of a violation query."""
    message: str
    constraint: Node | None
    """The constraint component (``sh:MinCountConstraintComponent`` …)."""

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Severity first, then shape, focus node, path, value and message."""
        return (
            severity_rank(self.severity),
            _key(self.shape),
            _key(self.focus_node),
            _key(self.path),
            _key(self.value),
            self.message,
        )

    def to_dict(self) -> dict[str, str | None]:
        """Stable keys; IRIs as plain strings, literals in N-Triples form, paths in SPARQL."""
        return {
            "severity": self.severity,
            "focus": _json_term(self.focus_node),
            "path": _json_term(self.path),
            "value": _json_term(self.value),
            "shape": _json_term(self.shape),
            "message": self.message,
            "constraint": _json_term(self.constraint),
        }


def severity_rank(severity: str) -> int:
    """0 for Violation, 1 Warning, 2 Info; a custom severity counts as a Violation."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def _key(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, PropertyPath):
        return path_text(term)
    if isinstance(term, URIRef | Literal | BNode):
        return canonical.nt_term(term)
    return str(term)


def _json_term(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, PropertyPath):
        return term.n3()
    if isinstance(term, Literal | BNode):
        return canonical.nt_term(term)
    return str(term)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: conformance, sorted results and the report graph."""

    conforms: bool
    """True when no result is a Violation (warnings and infos are allowed)."""
    results: tuple[ValidationResult, ...]
    graph: Graph = field(repr=False, compare=False)
    """pySHACL's report graph, with a result for each row of a violation query added."""

    def of_severity(self, severity: str) -> tuple[ValidationResult, ...]:
        """The results of one severity."""
        return tuple(r for r in self.results if r.severity == severity)

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        """The results that make the data non-conforming."""
        return tuple(r for r in self.results if severity_rank(r.severity) == 0)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        """The results of recommended shapes."""
        return self.of_severity("Warning")

    @property
    def infos(self) -> tuple[ValidationResult, ...]:
        """Informational results."""
        return self.of_severity("Info")

    def summary(self) -> str:
        """One line for stderr: ``2 violations, 1 warning`` (and infos when there are any)."""
        parts = [_count(len(self.violations), "violation"), _count(len(self.warnings), "warning")]
        if self.infos:
            parts.append(_count(len(self.infos), "info"))
        return ", ".join(parts)

    def serialize(self, format: str = "table") -> str:
        """The report as ``table``, ``json`` or ``turtle``."""
        writers = {"table": self.to_table, "json": self.to_json, "turtle": self.to_turtle}
        if format not in writers:
            raise ShapesError(f"unknown report format '{format}' (use table, json or turtle)")
        return writers[format]()

    def to_table(self) -> str:
        """Aligned columns with prefixed names; empty when there are no results."""
        if not self.results:
            return ""
        header = ["severity", "focus", "path", "value", "shape", "message"]
        rows = (
            [r.severity, shorten(r.focus_node), shorten(r.path), shorten(r.value), shorten(r.shape)]
            + [r.message]
            for r in self.results
        )
        return table(header, rows)

    def to_json(self) -> str:
        """JSON with stable keys: conforms, counts by severity, then the results in order."""
        doc: dict[str, Any] = {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "results": [r.to_dict() for r in self.results],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def to_turtle(self) -> str:
        """The report graph as canonical Turtle with the project prefixes."""
        quads = canonical.canonical_quads((s, p, o, None) for s, p, o in self.graph)
        return canonical.turtle(canonical.triples_of(quads))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------------------------
# Shapes


def shapes_files(shapes: Path | Iterable[Path] | None = None) -> list[Path]:
    """The shapes files: every ``*.ttl`` of each folder given (default ``ontology/shapes/``)
    and each file given. No shapes at all is a :class:`ShapesError`.
    """
    given = (
        [paths.SHAPES_DIR]
        if shapes is None
        else [shapes]
        if isinstance(shapes, Path)
        else list(shapes)
    )
    files: list[Path] = []
    for item in given:
        if not item.exists():
            raise ShapesError(f"{item}: no such shapes file or folder")
        files.extend(sorted(item.glob("*.ttl")) if item.is_dir() else [item])
    if not files:
        where = ", ".join(str(p) for p in given) or "the list given"
        raise ShapesError(f"no shapes in {where} (expected core.ttl and recommended.ttl there)")
    return files


def load_shapes(shapes: Path | Iterable[Path] | Graph | None = None) -> Graph:
    """The shapes graph, read once per set of files (cached while the files are unchanged).

    The graph is shared: treat it as read-only (:func:`validate` hands pySHACL a copy).

    A syntax error in a shapes file is a :class:`kg.errors.LoadError` with file, line and
    column.
    """
    if isinstance(shapes, Graph):
        return shapes
    files = shapes_files(shapes)
    stamps = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            stamps.append((str(path), 0, -1))  # parse_file reports the missing file
        else:
            stamps.append((str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    return _read_shapes(tuple(stamps))


@functools.lru_cache(maxsize=8)
def _read_shapes(stamps: tuple[tuple[str, int, int], ...]) -> Graph:
    dataset = new_dataset()
    for name, _, _ in stamps:
        parse_file(Path(name), dataset, SHAPES_GRAPH)
    return union_graph(dataset)


# --------------------------------------------------------------------------------------------
# Reading pySHACL's report


def _shacl_path(graph: Graph, node: Node) -> URIRef | PropertyPath | Node:
    """A SHACL property path (as found in the report graph) as an rdflib path object."""
    if isinstance(node, URIRef) or not isinstance(node, BNode):
        return node
    if (node, RDF.first, None) in graph:
        parts = [_shacl_path(graph, item) for item in Collection(graph, node)]
        return SequencePath(*cast(list[URIRef | PropertyPath], parts))
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return InvPath(_shacl_path(graph, inverse))  # type: ignore[arg-type]
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        parts = [_shacl_path(graph, item) for item in Collection(graph, alternatives)]
        return AlternativePath(*cast(list[URIRef | PropertyPath], parts))
    for predicate, mod in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(node, predicate)
        if inner is not None:
            return MulPath(_shacl_path(graph, inner), mod)  # type: ignore[arg-type]
    return node


def _message(graph: Graph, result: Node) -> str:
    messages = sorted(
        graph.objects(result, SH.resultMessage),
        key=lambda m: (
            not isinstance(m, Literal) or m.language not in (None, "en"),
            getattr(m, "language", None) is not None,
            str(m),
        ),
    )
    return " ".join(str(messages[0]).split()) if messages else ""


def results_of(graph: Graph) -> list[ValidationResult]:
    """The typed results of a SHACL validation report graph (any SHACL engine's).

    Only the report's own results (``sh:result``), not the nested ``sh:detail`` results some
    engines add under ``sh:node``/``sh:or`` failures: each defect is reported once.
    """
    found = []
    reports = set(graph.subjects(RDF.type, SH.ValidationReport))
    tops = {r for report in reports for r in graph.objects(report, SH.result)}
    if not reports:  # a bare list of results, not wrapped in a report
        tops = set(graph.subjects(RDF.type, SH.ValidationResult))
    for result in tops:
        severity = graph.value(result, SH.resultSeverity)
        path = graph.value(result, SH.resultPath)
        found.append(
            ValidationResult(
                severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
                focus_node=graph.value(result, SH.focusNode),
                path=_shacl_path(graph, path) if path is not None else None,
                value=graph.value(result, SH.value),
                shape=graph.value(result, SH.sourceShape),
                message=_message(graph, result),
                constraint=graph.value(result, SH.sourceConstraintComponent),
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# Violation queries


def query_results(query: Query, result: QueryResult) -> list[ValidationResult]:
    """One Violation per row of a violation query.

    The focus node is ``?focus`` (else the first variable), ``?path`` and ``?value`` are used
    when projected, and the message is the header's description, followed by ``?message``.
    """
    if result.kind != "select":
        raise QueryError(f"violation query {query.name} must be a SELECT, not {query.kind}")
    names = [str(v) for v in result.variables]
    focus_name = "focus" if "focus" in names else (names[0] if names else None)
    base = " ".join((query.description or query.title or query.name).split()).rstrip(".")
    found = []
    for record in result.records():
        extra = record.get("message")
        found.append(
            ValidationResult(
                severity="Violation",
                focus_node=record.get(focus_name) if focus_name else None,
                path=record.get("path"),
                value=record.get("value"),
                shape=URIRef(QUERY_SHAPE_SCHEME + query.name),
                message=f"{base}: {extra}" if extra is not None else base,
                constraint=SH.SPARQLConstraintComponent,
            )
        )
    return found


def _add_to_report(graph: Graph, results: Sequence[ValidationResult], conforms: bool) -> None:
    report = graph.value(None, RDF.type, SH.ValidationReport, any=True)
    if report is None:
        report = BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
    graph.set((report, SH.conforms, Literal(conforms)))
    for item in results:
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, SH[item.severity]))
        graph.add((node, SH.resultMessage, Literal(item.message)))
        for predicate, term in (
            (SH.focusNode, item.focus_node),
            (SH.resultPath, item.path),
            (SH.value, item.value),
            (SH.sourceShape, item.shape),
            (SH.sourceConstraintComponent, item.constraint),
        ):
            if isinstance(term, URIRef | Literal | BNode):
                graph.add((node, predicate, term))


# --------------------------------------------------------------------------------------------
# Validating


def validate(
    data: Dataset | Graph,
    shapes: Path | Iterable[Path] | Graph | None = None,
    *,
    severity: Severity = "Info",
    queries: Path | Iterable[Query] | None = None,
) -> ValidationReport:
    """Validate ``data`` (a dataset, validated as the union of its graphs, or one graph).

    ``shapes`` are the shapes files or folder (default: every ``ontology/shapes/*.ttl``) or a
    ready shapes graph; ``queries`` the violation queries (default: the catalogue's
    ``*-violation`` queries; a folder, or ``()`` for none). ``severity`` is the least severe
    level kept in the report's results.
    """
    if severity not in SEVERITIES:
        raise ShapesError(f"unknown severity '{severity}' (use one of {', '.join(SEVERITIES)})")
    # pySHACL adds triples to the shapes graph it is given; the cached graph stays as read.
    shapes_graph = Graph(bind_namespaces="none")
    shapes_graph += load_shapes(shapes)
    data_graph = union_graph(data) if isinstance(data, Dataset) else data
    try:
        _, report_graph, _ = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            do_owl_imports=False,
            abort_on_first=False,
        )
    except ReportableRuntimeError as exc:
        message = " ".join(str(getattr(exc, "message", exc)).split())
        raise ShapesError(f"the shapes cannot be used: {message}") from None
    assert isinstance(report_graph, Graph)
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in report_graph:
        graph.add(triple)
    results = results_of(graph)

    if queries is None or isinstance(queries, Path):
        queries = violation_queries(queries)
    from_queries: list[ValidationResult] = []
    queries = list(queries)
    if queries:
        # pyoxigraph: the same answers as rdflib (tests/test_engines_cross.py), and cross-node
        # checks that take rdflib minutes on a few thousand memberships take it milliseconds.
        engine = OxigraphEngine(data, catalogue_limits())
        for query in queries:
            from_queries.extend(query_results(query, run(query, engine)))

    everything = results + from_queries
    conforms = not any(severity_rank(r.severity) == 0 for r in everything)
    _add_to_report(graph, from_queries, conforms)
    limit = SEVERITIES.index(severity)
    kept = sorted(
        (r for r in everything if severity_rank(r.severity) <= limit),
        key=ValidationResult.sort_key,
    )
    return ValidationReport(conforms=conforms, results=tuple(kept), graph=graph)


__all__ = [
    "SEVERITIES",
    "Severity",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "query_results",
    "results_of",
    "shapes_files",
    "validate",
]
