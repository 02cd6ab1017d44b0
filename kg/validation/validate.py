"""Validate the graph: SHACL shapes through pyshacl-turbo (or pySHACL), plus the
``*-violation`` queries.

The shapes live in ``ontology/shapes/`` (``core.ttl`` holds the ``sh:Violation`` shapes,
``recommended.ttl`` the ``sh:Warning`` ones). The SHACL engine runs on the union of the
dataset's graphs, which already holds the ontology and the code lists, so ``rdfs:subClassOf``
targets work without inference and without a separate ontology graph. Two engines give the same
results (:data:`SHACL_ENGINES`): pyshacl-turbo, in Rust, by default, and pySHACL, the
reference. Every query in ``queries/`` whose name ends in ``-violation`` is part of validation
too: each row it returns is a violation (convention 3).

The result is a typed :class:`ValidationReport`: it conforms when nothing is a Violation
(warnings are allowed), lists its results in a fixed order and writes itself as text for people
(a paragraph a result, at most 100 columns), as JSON or as the report graph in Turtle.

>>> from kg.model.dataset import new_dataset
>>> from kg.model.namespaces import ID, RDF, SG
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
>>> print(report.to_table(), end="")
Violation sgid:organization/oyer
  shape sgsh:MunicipalityLabel, path rdfs:label
  Needs a label.
"""

from __future__ import annotations

import functools
import json
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, cast
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.paths import Path as PropertyPath
from rdflib.term import Node

from kg.errors import QueryError, ShapesError
from kg.model import canonical, paths
from kg.model.dataset import new_dataset, parse_file, union_graph
from kg.model.namespaces import ID, RDF, SH, XSD, bind_prefixes
from kg.model.render import path_text, shorten
from kg.query.engines import Limits, OxigraphEngine, QueryResult, catalogue_limits, run
from kg.query.queries import Query, violation_queries

Severity = TypingLiteral["Violation", "Warning", "Info"]
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
"""From most to least severe."""

SHAPES_GRAPH = ID["graph/shapes"]
"""Graph name the shapes files are read into (they never enter the data)."""

QUERY_SHAPE_SCHEME = "query:"
"""A violation query's result names the query as its shape: ``query:NAME``."""

ShaclEngine = TypingLiteral["turbo", "pyshacl"]
SHACL_ENGINES: tuple[str, ...] = ("turbo", "pyshacl")
"""The SHACL engines, by the name ``--shacl-engine`` takes: ``turbo`` is pyshacl-turbo (Rust,
the default), ``pyshacl`` is pySHACL, the reference, 10 to 20 times slower. Both give the same
results on the project's data and on every shapes fixture (tests/test_shacl_engines.py)."""
DEFAULT_SHACL_ENGINE: ShaclEngine = "turbo"


@dataclass(frozen=True)
class StoreUnion:
    """A build's data (see :mod:`kg.model.store`): a store whose default graph does *not* hold the
    union, and the union's sorted, distinct N-Triples lines (which the build has at hand).
    The SHACL engine reads the lines; the violation queries run on the store with Oxigraph's
    union option (the catalogue's queries are DISTINCT-safe), in this process."""

    store: ox.Store
    union: Sequence[str]

    def text(self) -> str:
        return "".join(line + "\n" for line in self.union)


Data: TypeAlias = Dataset | Graph | ox.Store | StoreUnion
"""What :func:`validate` checks: an rdflib dataset (the union of its graphs), one rdflib graph,
a :class:`pyoxigraph.Store` whose default graph holds the union of its named graphs, or a
:class:`StoreUnion`."""


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

    def sort_key(self) -> tuple[int, str, str, str, str, str, str]:
        """Severity first, then shape, focus node, path, value, message and constraint component
        (the last settles two results of one shape on one value, e.g. sh:datatype and
        sh:languageIn, which engines list in different orders)."""
        return (
            severity_rank(self.severity),
            _key(self.shape),
            _key(self.focus_node),
            _key(self.path),
            _key(self.value),
            self.message,
            _key(self.constraint),
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
    report_graph: Graph | Callable[[], Graph] | None = field(
        default=None, repr=False, compare=False
    )
    """The SHACL engine's report graph, with a result for each row of a violation query added,
    or what makes it when first asked for (reading a large report into rdflib takes seconds);
    ``None`` for a report made of typed results (merged or focused, :func:`report_of`), whose
    :attr:`graph` is written from them."""

    @property
    def graph(self) -> Graph:
        """The report graph: the engine's, or one written from the results (each result's
        severity, focus node, path, value, shape, message and constraint component)."""
        made = self.report_graph
        if not isinstance(made, Graph):
            if made is None:
                graph = bind_prefixes(Graph(bind_namespaces="none"))
                _add_to_report(graph, self.results, self.conforms)
            else:
                graph = made()
            object.__setattr__(self, "report_graph", graph)
            made = graph
        return made

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

    def to_table(self, where: Callable[[Node | None], Sequence[str]] | None = None) -> str:
        """The results as text for people, no line wider than :data:`REPORT_WIDTH`; empty when
        there are none.

        One paragraph a result (:func:`result_text`): its severity and focus node; with
        ``where`` (:func:`kg.model.locate.where_described`), the ``file:line`` where the node
        is described; the shape, the path and the value; the message. Names are compacted with
        the project's prefixes; what is still too long is wrapped, continuation lines indented.
        """
        return "\n".join(
            result_text(r, where(r.focus_node) if where is not None else None) for r in self.results
        )

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


REPORT_WIDTH = 100
"""The widest line of a report's text (:meth:`ValidationReport.to_table`)."""


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(
        text,
        width=REPORT_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
    )


NOT_LOCATED = "(no line: no statement in the files read has it as its subject)"
"""What a report says of a focus node it looked for and did not find (a resource only ever an
object, or described in a file whose syntax has no lines, RDF/XML)."""
NOT_LOCATED_BLANK = "(no line: a blank node has no name to find it by)"
"""What a report says of a blank focus node."""


def result_text(result: ValidationResult, where: Sequence[str] | None = None) -> str:
    """One result as a paragraph of lines at most :data:`REPORT_WIDTH` wide, ending in a newline:
    severity and focus node; where the node is described (``file:line``, when ``where`` is
    given: :data:`NOT_LOCATED` when it is empty); shape, path and value; the message.

    >>> from kg.model.namespaces import ID, SHAPES, SKOS
    >>> found = ValidationResult("Violation", ID["organization/x"], SKOS.prefLabel, None,
    ...     SHAPES.Name, "Give it a name. " * 8, None)
    >>> print(result_text(found, ["data/x.trig:12"]), end="")
    Violation sgid:organization/x
      at data/x.trig:12
      shape sgsh:Name, path skos:prefLabel
      Give it a name. Give it a name. Give it a name. Give it a name. Give it a name. Give it a
      name. Give it a name. Give it a name.
    """
    lines = [
        _wrap(f"{result.severity} {shorten(result.focus_node) or '(no focus node)'}", "", "    ")
    ]
    if where is not None:
        place = ", ".join(where) or (
            NOT_LOCATED_BLANK if isinstance(result.focus_node, BNode) else NOT_LOCATED
        )
        lines.append(_wrap(f"at {place}", "  ", "     "))
    facts = [f"shape {shorten(result.shape)}"] if result.shape is not None else []
    facts += [f"path {shorten(result.path)}"] if result.path is not None else []
    facts += [f"value {shorten(result.value)}"] if result.value is not None else []
    if facts:
        lines.append(_wrap(", ".join(facts), "  ", "      "))
    if result.message:
        lines.append(_wrap(result.message, "  ", "  "))
    return "\n".join(lines) + "\n"


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
    return _pick_message(graph.objects(result, SH.resultMessage))


def _pick_message(found: Iterable[Node]) -> str:
    """The English (else untagged, else any) message, whitespace collapsed."""
    messages = sorted(
        found,
        key=lambda m: (
            not isinstance(m, Literal) or m.language not in (None, "en"),
            getattr(m, "language", None) is not None,
            str(m),
        ),
    )
    return " ".join(str(messages[0]).split()) if messages else ""


def _plain(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` as ``"x"``: one RDF term, which rdflib spells two ways."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def results_of(graph: Graph) -> list[ValidationResult]:
    """The typed results of a SHACL validation report graph (any SHACL engine's).

    Only the report's own results (``sh:result``), not the nested ``sh:detail`` results some
    engines add under ``sh:node``/``sh:or`` failures: each defect is reported once. A value
    typed ``xsd:string`` is read as the plain literal it is; the message is the English (or
    untagged) one, whitespace collapsed. With these, pyshacl-turbo's and pySHACL's reports give
    equal results.
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
                value=_plain(graph.value(result, SH.value)),
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
    """Add ``results`` to the report in ``graph`` (made when there is none) and set conforms."""
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
        if isinstance(item.path, PropertyPath):
            graph.add((node, SH.resultPath, _path_node(graph, item.path)))
        for predicate, term in (
            (SH.focusNode, item.focus_node),
            (SH.resultPath, item.path),
            (SH.value, item.value),
            (SH.sourceShape, item.shape),
            (SH.sourceConstraintComponent, item.constraint),
        ):
            if isinstance(term, URIRef | Literal | BNode):
                graph.add((node, predicate, term))


def _path_node(graph: Graph, path: Node | PropertyPath) -> Node:
    """Write an rdflib property path back as a SHACL path in ``graph`` (the reverse of
    :func:`_shacl_path`)."""
    if not isinstance(path, PropertyPath):
        return path
    node = BNode()
    if isinstance(path, SequencePath):
        Collection(graph, node, [_path_node(graph, part) for part in path.args])
    elif isinstance(path, AlternativePath):
        items = BNode()
        Collection(graph, items, [_path_node(graph, part) for part in path.args])
        graph.add((node, SH.alternativePath, items))
    elif isinstance(path, InvPath):
        graph.add((node, SH.inversePath, _path_node(graph, path.arg)))
    elif isinstance(path, MulPath):
        mod = {"*": SH.zeroOrMorePath, "+": SH.oneOrMorePath, "?": SH.zeroOrOnePath}[path.mod]
        graph.add((node, mod, _path_node(graph, path.path)))
    else:  # pragma: no cover - SHACL has no other paths (no negated ones)
        raise ShapesError(f"cannot write the path {path_text(path)} into a report")
    return node


def report_of(results: Sequence[ValidationResult], conforms: bool) -> ValidationReport:
    """A report made of typed ``results`` alone (sorted here), its graph written from them.

    What a merged report (:func:`kg.validation.revalidate.revalidate`) or a report restricted to
    some focus nodes holds: its graph, written when first asked for, has each result's severity,
    focus node, path, value, shape, message and constraint component, not the engine's extras
    (``sh:detail``, ``sh:sourceConstraint``)."""
    ordered = tuple(sorted(results, key=ValidationResult.sort_key))
    return ValidationReport(conforms=conforms, results=ordered)


# --------------------------------------------------------------------------------------------
# Running a SHACL engine


def check_shacl_engine(engine: str) -> ShaclEngine:
    """``engine`` if it is one of :data:`SHACL_ENGINES`, else a :class:`ShapesError`.

    >>> check_shacl_engine("jena")
    Traceback (most recent call last):
    kg.errors.ShapesError: unknown SHACL engine 'jena' (use turbo or pyshacl)
    """
    if engine not in SHACL_ENGINES:
        raise ShapesError(f"unknown SHACL engine '{engine}' (use {' or '.join(SHACL_ENGINES)})")
    return cast(ShaclEngine, engine)


def _default_graph_is_the_union(store: ox.Store) -> None:
    """Refuse a store whose named graphs hold data while its default graph is empty: its
    default graph would be validated, and nothing would be found."""
    empty = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
    if empty and next(iter(store), None) is not None:
        raise ShapesError(
            "the store's default graph is empty but its named graphs are not: validation reads "
            "the default graph, so load the union into it first (INSERT { ?s ?p ?o } WHERE "
            "{ GRAPH ?g { ?s ?p ?o } })"
        )


def _turbo_store_input(store: ox.Store) -> object:
    """The store's default graph as pyshacl-turbo's own input record.

    Given a :class:`pyoxigraph.Store`, pyshacl-turbo 0.6.5 dumps *every* graph and validates
    their union; the default graph of our stores already is that union, so passing the store
    would hand it every triple twice, and it reads data at some 15 µs a triple. Dumping only
    the default graph halves that. ``Input`` is an internal of pyshacl-turbo (pinned exactly);
    without it the store itself is passed: the same results, slower.
    """
    try:
        from pyshacl_turbo.rdf import Input
    except ImportError:  # pragma: no cover - another pyshacl-turbo than the pinned one
        return store
    text = store.dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.DefaultGraph()) or b""
    return Input(text.decode("utf-8"), "oxigraph-nquads", None, {}, preserve_ids=True)


def _turbo_text_input(text: str) -> object:
    """N-Triples (or N-Quads) text as pyshacl-turbo's own input record (see
    :func:`_turbo_store_input`)."""
    from pyshacl_turbo.rdf import Input

    return Input(text, "oxigraph-nquads", None, {}, preserve_ids=True)


def _rdflib_term(term: Any, cache: dict[Any, Node]) -> Node:
    """The rdflib term for a pyoxigraph one, keeping the literal's lexical form exactly
    (rdflib would write ``"01"^^xsd:integer`` as ``"1"``; pyshacl-turbo reads it as written)."""
    found = cache.get(term)
    if found is not None:
        return found
    node: Node
    if isinstance(term, ox.NamedNode):
        node = URIRef(term.value)
    elif isinstance(term, ox.BlankNode):
        node = BNode(term.value)
    elif term.language:
        node = Literal(term.value, lang=term.language)
    elif term.datatype.value == str(XSD.string):
        node = Literal(term.value)
    else:
        node = Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    if not isinstance(term, ox.Literal):  # literals rarely repeat; keep the cache small
        cache[term] = node
    return node


def store_graph(store: ox.Store) -> Graph:
    """The default graph of ``store`` (the union, by our convention) as a plain rdflib graph,
    blank-node labels and literal forms kept: what pySHACL reads when given a store."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    cache: dict[Any, Node] = {}
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        graph.add(
            (
                _rdflib_term(quad.subject, cache),
                _rdflib_term(quad.predicate, cache),
                _rdflib_term(quad.object, cache),
            )
        )
    return graph


def _unusable(problem: object) -> ShapesError:
    message = " ".join(str(getattr(problem, "message", problem)).split())
    return ShapesError(f"the shapes cannot be used: {message}")


@dataclass(frozen=True)
class ShaclOutcome:
    """What a SHACL engine found: the typed results, and the engine's report graph, made when
    asked for (``graph()``)."""

    results: list[ValidationResult]
    graph: Callable[[], Graph] = field(repr=False)


def run_shacl(
    data: Data,
    shapes: Graph,
    *,
    engine: ShaclEngine = DEFAULT_SHACL_ENGINE,
    focus_nodes: Iterable[Node] | None = None,
) -> ShaclOutcome:
    """Validate ``data`` against ``shapes`` with ``engine``: the results and the report graph.

    ``data`` is validated as the union of its graphs, whatever its form: both engines read an
    rdflib :class:`~rdflib.Dataset` (and a :class:`pyoxigraph.Store`) as the union of all its
    graphs, a triple stated in two graphs once; of a store, only the default graph is read
    (our stores keep the union there, see :data:`Data`). Results, messages, paths and blank
    nodes are the same from both engines (their report graphs are isomorphic on the project's
    data and every fixture); only the order of the results differs.

    ``focus_nodes`` (IRIs) asks pyshacl-turbo to validate only the shapes' targets among those
    nodes, each against the whole data (its value nodes are still checked through sh:node and
    sh:property as usual); ``None`` is every target. pySHACL's own ``focus_nodes`` also skips
    the sh:node checks of value nodes (0.40.1), so it is not used: pySHACL validates everything.
    Either way the caller keeps the results of the nodes it asked for (see :func:`validate`).
    """
    # pySHACL adds triples to the shapes graph it is given; the cached graph stays as read.
    shapes_graph = Graph(bind_namespaces="none")
    shapes_graph += shapes
    if isinstance(data, ox.Store):
        _default_graph_is_the_union(data)
    if engine == "turbo":
        turbo_input: object
        if isinstance(data, StoreUnion):
            turbo_input = _turbo_text_input(data.text())
        elif isinstance(data, ox.Store):
            turbo_input = _turbo_store_input(data)
        else:
            turbo_input = data
        focus = None if focus_nodes is None else [str(node) for node in focus_nodes]
        outcome = _turbo_native(turbo_input, shapes_graph, focus)
        if outcome is not None:
            return outcome
    options: dict[str, Any] = {
        "shacl_graph": shapes_graph,
        "inference": "none",
        "advanced": True,
        "allow_warnings": True,
        "do_owl_imports": False,
        "abort_on_first": False,
    }
    if engine == "turbo":
        import pyshacl_turbo
        from pyshacl_turbo.errors import ReportableRuntimeError as TurboError

        if focus is not None:
            options["focus_nodes"] = focus
        try:
            _, report_graph, _ = pyshacl_turbo.validate(turbo_input, **options)
        except (TurboError, ValueError) as exc:  # ValueError: shapes it cannot compile
            raise _unusable(exc) from None
    else:
        import pyshacl
        from pyshacl.errors import ReportableRuntimeError

        if isinstance(data, ox.Store):
            graph = store_graph(data)
        elif isinstance(data, StoreUnion):
            graph = bind_prefixes(Graph(bind_namespaces="none"))
            graph.parse(data=data.text(), format="nt")
        else:
            graph = union_graph(data) if isinstance(data, Dataset) else data
        try:
            _, report_graph, _ = pyshacl.validate(graph, **options)
        except ReportableRuntimeError as exc:
            raise _unusable(exc) from None
    if not isinstance(report_graph, Graph):  # pyshacl-turbo's ValidationFailure, returned
        raise _unusable(report_graph)
    made: Graph = report_graph
    return ShaclOutcome(results_of(made), lambda: made)


def shacl_report(
    data: Data,
    shapes: Graph,
    *,
    engine: ShaclEngine = DEFAULT_SHACL_ENGINE,
    focus_nodes: Iterable[Node] | None = None,
) -> Graph:
    """The SHACL validation report graph of ``data`` (see :func:`run_shacl`)."""
    return run_shacl(data, shapes, engine=engine, focus_nodes=focus_nodes).graph()


def _turbo_native(
    turbo_input: object, shapes: Graph, focus: list[str] | None
) -> ShaclOutcome | None:
    """pyshacl-turbo's own engine, its report read with pyoxigraph rather than into rdflib.

    ``pyshacl_turbo.validate`` reads the report (N-Triples from Rust) into an rdflib graph in
    Python, about 0.4 ms a result: 10 s for the 25,000 warnings of a million synthetic triples.
    This calls the same compiled engine the way ``CompiledShapes.validate`` does (0.6.5,
    pinned), reads the results from the report text with pyoxigraph, and leaves the rdflib
    graph to be made when asked for, by pyshacl-turbo's own reader. ``None`` when that
    internal interface is not there (another pyshacl-turbo): the caller takes the public one.
    """
    try:
        import warnings

        import pyshacl_turbo
        from pyshacl_turbo.errors import ShapeRecursionWarning
        from pyshacl_turbo.rdf import decode, input_graph
    except ImportError:  # pragma: no cover - another pyshacl-turbo than the pinned one
        return None
    try:
        program = pyshacl_turbo.compile_shapes(shapes, advanced=True)
        native = program._native
        data = input_graph(turbo_input, None, direct=True)
        namespaces = [(prefix, str(ns)) for prefix, ns in data.namespaces.items()]
        nodes: dict[str, Any] = program._blank_nodes | data.blank_nodes
        validate_native = native.validate
    except ValueError as exc:  # shapes it cannot compile
        raise _unusable(exc) from None
    except (AttributeError, TypeError):  # pragma: no cover - another pyshacl-turbo
        return None
    try:
        conforms, report, _, _, recursion = validate_native(
            data.source,
            data.format,
            data.base,
            False,  # iterate_rules
            100,  # max_rule_iterations
            15,  # max_validation_depth
            False,  # inplace
            False,  # allow_infos
            True,  # allow_warnings
            False,  # abort_on_first
            focus or [],
            [],  # use_shapes
            namespaces,
        )
    except (pyshacl_turbo.ValidationFailure, RuntimeError, ValueError) as exc:
        raise _unusable(exc) from None
    for message in recursion:
        warnings.warn(message, ShapeRecursionWarning, stacklevel=3)

    def read() -> Graph:
        made = decode(report, nodes, preserve_ids=True, report=True, normalize=True)
        assert isinstance(made, Graph)
        return made

    if not isinstance(report, str):  # pragma: no cover - a report as term records
        graph = read()
        return ShaclOutcome(results_of(graph), lambda: graph)
    return ShaclOutcome(_report_results(report, nodes), read)


_MODIFIERS: tuple[tuple[URIRef, TypingLiteral["*", "+", "?"]], ...] = (
    (SH.zeroOrMorePath, "*"),
    (SH.oneOrMorePath, "+"),
    (SH.zeroOrOnePath, "?"),
)


_RESULT_KEYS = (
    "resultSeverity",
    "focusNode",
    "resultPath",
    "value",
    "sourceShape",
    "sourceConstraintComponent",
)


def _report_results(report: str, nodes: dict[str, Any]) -> list[ValidationResult]:
    """The typed results of a SHACL report in N-Triples, read with pyoxigraph (as
    :func:`results_of` reads them from rdflib, terms as pyshacl-turbo's reader makes them:
    blank nodes by label, through ``nodes`` to the shapes' own, literals as written)."""
    index: dict[Any, dict[str, list[Any]]] = {}
    for triple in ox.parse(report, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False):
        index.setdefault(triple.subject, {}).setdefault(triple.predicate.value, []).append(
            triple.object
        )

    made: dict[Any, Node] = {}

    def term(node: Any) -> Node:
        if isinstance(node, ox.NamedNode | ox.BlankNode):
            found = made.get(node)
            if found is None:
                if isinstance(node, ox.NamedNode):
                    found = URIRef(node.value)
                else:
                    known = nodes.get(node.value)
                    found = known if isinstance(known, BNode) else BNode(node.value)
                made[node] = found
            return found
        if node.language:
            return Literal(node.value, lang=node.language)
        if node.datatype.value == str(XSD.string):
            return Literal(node.value)
        return Literal(node.value, datatype=URIRef(node.datatype.value), normalize=False)

    def first(node: Any, predicate: URIRef) -> Any:
        values = index.get(node, {}).get(str(predicate))
        return values[0] if values else None

    def items(node: Any) -> list[Any]:
        found = []
        while node is not None and node != ox.NamedNode(str(RDF.nil)):
            head = first(node, RDF.first)
            if head is None:
                break
            found.append(head)
            node = first(node, RDF.rest)
        return found

    def path(node: Any) -> Any:
        if not isinstance(node, ox.BlankNode):
            return term(node)
        if first(node, RDF.first) is not None:
            return SequencePath(*[path(item) for item in items(node)])
        inverse = first(node, SH.inversePath)
        if inverse is not None:
            return InvPath(path(inverse))
        alternatives = first(node, SH.alternativePath)
        if alternatives is not None:
            return AlternativePath(*[path(item) for item in items(alternatives)])
        for predicate, mod in _MODIFIERS:
            inner = first(node, predicate)
            if inner is not None:
                return MulPath(path(inner), mod)
        return term(node)

    def optional(node: Any) -> Any:
        return None if node is None else term(node)

    report_type = str(SH.ValidationReport)
    result_type = str(SH.ValidationResult)
    typed = str(RDF.type)
    reports = [s for s, p in index.items() if any(t.value == report_type for t in p.get(typed, []))]
    tops = {r for report_node in reports for r in index[report_node].get(str(SH.result), [])}
    if not reports:
        tops = {
            s for s, p in index.items() if any(t.value == result_type for t in p.get(typed, []))
        }
    keys = [str(SH[k]) for k in _RESULT_KEYS]
    found = []
    for result in tops:
        fields = index.get(result, {})
        severity, focus, result_path, value, shape, constraint = (
            values[0] if values else None for values in (fields.get(k) for k in keys)
        )
        messages = fields.get(str(SH.resultMessage), [])
        found.append(
            ValidationResult(
                severity=severity.value.rpartition("#")[2] if severity is not None else "Violation",
                focus_node=optional(focus),
                path=path(result_path) if result_path is not None else None,
                value=optional(value),
                shape=optional(shape),
                message=_pick_message(term(m) for m in messages),
                constraint=optional(constraint),
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# Validating


def query_engine(data: Data) -> OxigraphEngine:
    """The engine the violation queries run on: the store itself, or a copy of the dataset."""
    if isinstance(data, StoreUnion):
        # The project's own queries, checked like any other; no child is forked from the
        # build's validation thread.
        return OxigraphEngine.of_store(data.store, Limits(isolated=False), union=True)
    if isinstance(data, ox.Store):
        # In this process too: a forked child could not read a store on disk that this
        # process has open (its descriptors are closed in the sandbox).
        return OxigraphEngine.of_store(data, Limits(isolated=False))
    # pyoxigraph: the same answers as rdflib (tests/test_engines_cross.py), and cross-node
    # checks that take rdflib minutes on a few thousand memberships take it milliseconds.
    return OxigraphEngine(data, catalogue_limits())


def run_violation_queries(
    queries: Path | Iterable[Query] | None, engine: OxigraphEngine | None, data: Data
) -> list[ValidationResult]:
    """The Violation of each row of each violation query (default: the catalogue's)."""
    if queries is None or isinstance(queries, Path):
        queries = violation_queries(queries)
    queries = list(queries)
    found: list[ValidationResult] = []
    if queries:
        engine = engine if engine is not None else query_engine(data)
        for query in queries:
            found.extend(query_results(query, run(query, engine)))
    return found


def check_severity(severity: str) -> None:
    """Refuse a severity that is not one of :data:`SEVERITIES`."""
    if severity not in SEVERITIES:
        raise ShapesError(f"unknown severity '{severity}' (use one of {', '.join(SEVERITIES)})")


def validate(
    data: Data,
    shapes: Path | Iterable[Path] | Graph | None = None,
    *,
    severity: Severity = "Info",
    queries: Path | Iterable[Query] | None = None,
    engine: str = DEFAULT_SHACL_ENGINE,
    focus_nodes: Iterable[Node] | None = None,
) -> ValidationReport:
    """Validate ``data``: a dataset (validated as the union of its graphs), one graph, or a
    :class:`pyoxigraph.Store` whose default graph holds the union of its named graphs (the
    violation queries then run on that store itself, not a copy).

    ``shapes`` are the shapes files or folder (default: every ``ontology/shapes/*.ttl``) or a
    ready shapes graph; ``queries`` the violation queries (default: the catalogue's
    ``*-violation`` queries; a folder, or ``()`` for none). ``severity`` is the least severe
    level kept in the report's results. ``engine`` is one of :data:`SHACL_ENGINES`: the same
    report from either, pyshacl-turbo much sooner.

    ``focus_nodes`` keeps only the results about those nodes (SHACL results whose focus node,
    and violation-query rows whose ``?focus``, is one of them), each node checked against the
    whole data; the report graph is then written from the results (:func:`report_of`).
    """
    check_severity(severity)
    engine = check_shacl_engine(engine)
    wanted = None if focus_nodes is None else frozenset(focus_nodes)
    shapes_graph = load_shapes(shapes)
    outcome: ShaclOutcome | None = None
    results: list[ValidationResult] = []
    if wanted is None or wanted:
        iris_only = wanted is not None and all(isinstance(n, URIRef) for n in wanted)
        outcome = run_shacl(
            data, shapes_graph, engine=engine, focus_nodes=wanted if iris_only else None
        )
        results = outcome.results
    from_queries = run_violation_queries(queries, None, data)
    if wanted is not None:
        results = [r for r in results if r.focus_node in wanted]
        from_queries = [r for r in from_queries if r.focus_node in wanted]
    everything = results + from_queries
    conforms = not any(severity_rank(r.severity) == 0 for r in everything)
    limit = SEVERITIES.index(severity)
    kept = [r for r in everything if severity_rank(r.severity) <= limit]
    if outcome is None or wanted is not None:
        return report_of(kept, conforms)
    engine_graph = outcome.graph

    def graph() -> Graph:
        made = engine_graph()
        _add_to_report(made, from_queries, conforms)
        return made

    ordered = tuple(sorted(kept, key=ValidationResult.sort_key))
    return ValidationReport(conforms=conforms, results=ordered, report_graph=graph)


__all__ = [
    "DEFAULT_SHACL_ENGINE",
    "SEVERITIES",
    "SHACL_ENGINES",
    "Data",
    "ShaclOutcome",
    "Severity",
    "StoreUnion",
    "ShaclEngine",
    "ValidationReport",
    "ValidationResult",
    "check_shacl_engine",
    "load_shapes",
    "query_engine",
    "query_results",
    "report_of",
    "results_of",
    "run_shacl",
    "run_violation_queries",
    "shacl_report",
    "shapes_files",
    "store_graph",
    "validate",
]
