"""Run a query on an engine and get one engine-neutral result back.

An :class:`Engine` takes a query text and the parameter bindings (never pasted into the text:
convention 8) and returns a :class:`QueryResult`: a SELECT's variables and rows in the order
the engine gave them, an ASK's boolean, or a CONSTRUCT's (or DESCRIBE's) graph. The result
writes itself in the SPARQL 1.1 result formats (JSON, XML, CSV, TSV), as a table for people,
and a graph as Turtle or JSON-LD; :meth:`QueryResult.as_set` is the order-independent form the
cross-engine and golden tests compare.

:class:`RdflibEngine` is the in-process default; :class:`OxigraphEngine` runs the same queries
in-process on pyoxigraph, much faster on large data; :class:`kg.query.remote.RemoteEngine` sends
them to any SPARQL 1.1 endpoint (SPARQLWrapper). :func:`open_engine` picks one by name.

>>> from kg.model.dataset import new_dataset
>>> from kg.model.namespaces import ID, RDF, SG
>>> ds = new_dataset()
>>> ds.graph(ID["graph/g"]).add((ID["organization/oyer"], RDF.type, SG.Municipality))
<Graph identifier=https://w3id.org/samarbeidsgrafen/id/graph/g (<class 'rdflib.graph.Graph'>)>
>>> engine = RdflibEngine(ds)
>>> result = engine.query("SELECT ?m WHERE { ?m a ?c }", {Variable("c"): SG.Municipality})
>>> print(result.to_table())
m
----------------------
sgid:organization/oyer
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.term import Node

from kg.errors import ParameterError, QueryError, QueryLimitError, QuerySyntaxError
from kg.model import canonical
from kg.model.dataset import load_dataset, offline
from kg.model.namespaces import XSD, bind_prefixes
from kg.query.binding import UnwritableValueError, bind
from kg.query.queries import ParsedQuery, Query, check_safe
from kg.query.sandbox import deep_call, run_isolated
from kg.query.settings import (
    DEFAULT_MAX_ROWS,
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    ENGINE_NAMES,
    FORMATS,
    GRAPH_FORMATS,
    TABULAR_FORMATS,
    Limits,
    check_format,
)

if TYPE_CHECKING:
    from kg.query.remote import RemoteEngine
from kg.model.render import shorten, table

SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

Row = tuple[Node | None, ...]
"""One solution: a term (or ``None``, unbound) per variable, in the order of the variables."""


def _plain(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` and ``"x"`` are one RDF term; engines differ in which they return."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


@dataclass(frozen=True)
class QueryResult:
    """What a query returned, whatever engine ran it.

    ``kind`` is ``select``, ``ask`` or ``construct`` (DESCRIBE gives a graph too, so
    ``construct``). A SELECT fills ``variables`` and ``rows``, an ASK ``boolean``, a CONSTRUCT
    ``graph``.
    """

    kind: str
    variables: tuple[Variable, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)

    # ---- building ------------------------------------------------------------------------

    @classmethod
    def from_rdflib(cls, result: Result) -> QueryResult:
        """Copy an rdflib :class:`~rdflib.query.Result` (rows materialised, order kept)."""
        if result.type == "SELECT":
            variables = tuple(result.vars or ())
            rows = tuple(tuple(_plain(t) for t in row) for row in result)  # type: ignore[union-attr]
            return cls("select", variables=variables, rows=rows)
        if result.type == "ASK":
            return cls("ask", boolean=bool(result.askAnswer))
        graph = bind_prefixes(Graph(bind_namespaces="none"))
        for triple in result.graph or ():
            graph.add(triple)
        return cls("construct", graph=graph)

    @classmethod
    def parse(cls, data: str | bytes, format: str) -> QueryResult:
        """Read a result written in SPARQL 1.1 JSON (``json``) or XML (``xml``), or a graph
        (``turtle``), e.g. a golden file.

        >>> text = '''{"head": {"vars": ["n"]},
        ...  "results": {"bindings": [{"n": {"type": "literal", "value": "2"}}]}}'''
        >>> QueryResult.parse(text, "json").rows
        ((rdflib.term.Literal('2'),),)
        """
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if format == "turtle":
            graph = bind_prefixes(Graph(bind_namespaces="none"))
            graph.parse(data=raw, format="turtle")
            return cls("construct", graph=graph)
        if format not in ("json", "xml"):
            raise QueryError(f"cannot read results in '{format}' (use json, xml or turtle)")
        return cls.from_rdflib(Result.parse(io.BytesIO(raw), format=format))

    # ---- comparing -----------------------------------------------------------------------

    def as_set(self) -> frozenset[Any]:
        """An order-independent form of the result, equal across engines for equal answers.

        A SELECT gives the set of (row, how many times it occurs) pairs, each row as sorted
        ``(variable name, term)`` pairs of its bound variables, blank nodes all alike (engines
        label them differently); an ASK gives ``{True}`` or ``{False}``; a graph gives its
        triples with canonical blank-node labels.

        >>> a = QueryResult("select", (Variable("x"), Variable("y")), ((Literal(1), None),))
        >>> b = QueryResult("select", (Variable("y"), Variable("x")), ((None, Literal(1)),))
        >>> a.as_set() == b.as_set()
        True
        """
        if self.kind == "ask":
            return frozenset({bool(self.boolean)})
        if self.kind == "construct":
            quads = canonical.canonical_quads((s, p, o, None) for s, p, o in self.graph or ())
            return frozenset(canonical.triples_of(quads))
        counts: Counter[tuple[tuple[str, Node], ...]] = Counter()
        for row in self.rows:
            pairs: list[tuple[str, Node]] = [
                (str(var), BNode("b") if isinstance(term, BNode) else _plain(term) or term)
                for var, term in zip(self.variables, row, strict=True)
                if term is not None
            ]
            counts[tuple(sorted(pairs, key=lambda pair: pair[0]))] += 1
        return frozenset(counts.items())

    def records(self) -> list[dict[str, Node]]:
        """The SELECT rows as dicts, variable name → term, unbound variables left out."""
        return [
            {str(v): t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    # ---- writing -------------------------------------------------------------------------

    def serialize(self, format: str = "table") -> str:
        """The result in ``format`` (one of :data:`FORMATS`); a mismatch is a clear error."""
        check_format(self.kind, format)
        writer = {
            "table": self.to_table,
            "csv": self.to_csv,
            "tsv": self.to_tsv,
            "json": self.to_json,
            "xml": self.to_xml,
            "turtle": self.to_turtle,
            "jsonld": self.to_jsonld,
        }[format]
        return writer()

    def to_table(self) -> str:
        """Aligned columns with prefixed names (an ASK: ``true``/``false``; a graph: Turtle)."""
        if self.kind == "ask":
            return "true" if self.boolean else "false"
        if self.kind == "construct":
            return self.to_turtle().rstrip("\n")
        header = [str(v) for v in self.variables]
        return table(header, ([shorten(t) for t in row] for row in self.rows))

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV: plain values, CRLF line ends (an ASK: one ``boolean``)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if self.kind == "ask":
            writer.writerows([["boolean"], ["true" if self.boolean else "false"]])
            return out.getvalue()
        writer.writerow([str(v) for v in self.variables])
        for row in self.rows:
            writer.writerow([_csv_value(t) for t in row])
        return out.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax, ``?`` before each name."""
        if self.kind == "ask":
            return "?boolean\n" + ("true" if self.boolean else "false") + "\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        for row in self.rows:
            lines.append("\t".join("" if t is None else canonical.nt_term(t) for t in row))
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON, keys in a fixed order, two-space indent."""
        doc: dict[str, Any]
        if self.kind == "ask":
            doc = {"head": {}, "boolean": bool(self.boolean)}
        else:
            bindings = [
                {str(v): _json_term(t) for v, t in zip(self.variables, row, strict=True) if t}
                for row in self.rows
            ]
            doc = {"head": {"vars": [str(v) for v in self.variables]}, "results": {}}
            doc["results"]["bindings"] = bindings
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def to_xml(self) -> str:
        """SPARQL Query Results XML Format."""
        lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<sparql xmlns="{SPARQL_RESULTS_NS}">']
        if self.kind == "ask":
            lines += ["  <head/>", f"  <boolean>{'true' if self.boolean else 'false'}</boolean>"]
        else:
            lines.append("  <head>")
            lines += [f"    <variable name={quoteattr(str(v))}/>" for v in self.variables]
            lines += ["  </head>", "  <results>"]
            for row in self.rows:
                lines.append("    <result>")
                for var, term in zip(self.variables, row, strict=True):
                    if term is not None:
                        lines.append(f"      <binding name={quoteattr(str(var))}>")
                        lines.append(f"        {_xml_term(term)}")
                        lines.append("      </binding>")
                lines.append("    </result>")
            lines.append("  </results>")
        lines.append("</sparql>")
        return "\n".join(lines) + "\n"

    def _triples(self) -> list[canonical.Triple]:
        quads = canonical.canonical_quads((s, p, o, None) for s, p, o in self.graph or ())
        return canonical.triples_of(quads)

    def to_turtle(self) -> str:
        """A graph result as canonical Turtle with the project prefixes."""
        self._require_graph("turtle")
        return canonical.turtle(self._triples())

    def to_jsonld(self) -> str:
        """A graph result as compact JSON-LD with the project's local context (never fetched)."""
        self._require_graph("jsonld")
        from kg.model import jsonld  # the export's JSON-LD writer: one context for every output

        return jsonld.dumps(jsonld.compact(jsonld.expand(self._triples()))).decode("utf-8")

    def _require_graph(self, format: str) -> None:
        if self.kind != "construct":
            check_format(self.kind, format)


def catalogue_limits() -> Limits:
    """Limits for the catalogue's own queries run by ``kg build``, ``kg validate`` and the
    summary: no row cap and an hour, isolated where the machine allows it; elsewhere they still
    run (their texts are the project's files, judged like any other), so that building never
    depends on network namespaces."""
    from kg.query.sandbox import unavailable_reason

    return Limits(timeout=3600.0, max_rows=10**12, isolated=unavailable_reason() is None)


# A result travels from the sandboxed child to the parent as plain tuples and strings, so that
# the parent unpickles no class at all (see kg.query.sandbox), and every term keeps its lexical
# form.

Packed = tuple[Any, ...]


def _pack_term(term: Node | None) -> tuple[str, ...] | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("u", str(term))
    if isinstance(term, BNode):
        return ("b", str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else ""
        return ("l", str(term), term.language or "", datatype)
    raise QueryError(f"cannot pass {term!r} on as an RDF term")


def _unpack_term(packed: tuple[str, ...] | None) -> Node | None:
    if packed is None:
        return None
    if packed[0] == "u":
        return URIRef(packed[1])
    if packed[0] == "b":
        return BNode(packed[1])
    _, lexical, language, datatype = packed
    return Literal(lexical, lang=language or None, datatype=URIRef(datatype) if datatype else None)


def pack(result: QueryResult, max_rows: int) -> Packed:
    """``result`` as plain tuples; more than ``max_rows`` rows or triples is a clear error."""
    if result.kind == "ask":
        return ("ask", bool(result.boolean))
    if result.kind == "construct":
        triples = tuple(result.graph or ())
        _check_rows(len(triples), max_rows, "triples")
        return ("construct", tuple(tuple(_pack_term(t) for t in triple) for triple in triples))
    _check_rows(len(result.rows), max_rows, "rows")
    rows = tuple(tuple(_pack_term(t) for t in row) for row in result.rows)
    return ("select", tuple(str(v) for v in result.variables), rows)


def unpack(packed: Packed) -> QueryResult:
    """The :class:`QueryResult` that :func:`pack` packed."""
    if packed[0] == "ask":
        return QueryResult("ask", boolean=bool(packed[1]))
    if packed[0] == "construct":
        graph = bind_prefixes(Graph(bind_namespaces="none"))
        for triple in packed[1]:
            s, p, o = (_unpack_term(t) for t in triple)
            graph.add((s, p, o))  # type: ignore[arg-type]
        return QueryResult("construct", graph=graph)
    variables = tuple(Variable(name) for name in packed[1])
    rows = tuple(tuple(_unpack_term(t) for t in row) for row in packed[2])
    return QueryResult("select", variables=variables, rows=rows)


def _check_rows(count: int, max_rows: int, what: str) -> None:
    if count > max_rows:
        raise QueryLimitError(
            f"the query returned more than {max_rows} {what} (add a LIMIT, or raise --max-rows)"
        )


def isolated(limits: Limits, evaluate: Callable[[], QueryResult]) -> QueryResult:
    """``evaluate()`` within ``limits``: in a sandboxed child (see :mod:`kg.query.sandbox`), or,
    with ``limits.isolated`` off, here (rows still capped; no deadline can stop it then)."""

    def packed() -> Packed:
        return pack(deep_call(evaluate), limits.max_rows)

    if not limits.isolated:
        return unpack(packed())
    return unpack(run_isolated(packed, timeout=limits.timeout, memory=limits.memory))


def _csv_value(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        value: dict[str, str] = {"type": "literal", "value": str(term)}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["datatype"] = str(term.datatype)
        return value
    raise QueryError(f"cannot write {term!r} as a SPARQL result term")


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(str(term))}</literal>"
        if term.datatype is not None and term.datatype != XSD.string:
            attr = quoteattr(str(term.datatype))
            return f"<literal datatype={attr}>{escape(str(term))}</literal>"
        return f"<literal>{escape(str(term))}</literal>"
    raise QueryError(f"cannot write {term!r} as a SPARQL result term")


# --------------------------------------------------------------------------------------------
# Engines


@runtime_checkable
class Engine(Protocol):
    """Anything that answers a SPARQL query text with bindings by a :class:`QueryResult`.

    An engine checks the text with :func:`kg.query.queries.check_safe` against its own graphs and
    binds ``bindings`` with a ``VALUES`` block of typed terms (:func:`kg.query.binding.bind`), never
    by pasting the user's text; the text that runs is the one the check judged.
    """

    name: str

    def query(self, text: str, bindings: Mapping[Variable, Node] | None = None) -> QueryResult:
        """Run ``text`` with ``bindings`` (variable → term) and return its result."""
        ...


class RdflibEngine:
    """rdflib's SPARQL engine over a dataset (default graph = the union) or a single graph.

    The query runs as the algebra :func:`kg.query.queries.check_safe` checked, so the engine never
    re-reads the text in a way the check did not. Parameters are rdflib's ``initBindings``, not
    a ``VALUES`` block as on the other engines: rdflib joins a leading block as a part of its
    own, and three catalogue queries took 400 to 1000 times longer with it (council-composition
    24 ms against 9.5 s on the project's data; see :mod:`kg.query.binding`). Both bind the
    parameters of the catalogue's queries alike (they stay in the outermost group), and the
    cross-engine tests compare the answers. Evaluation runs in a sandboxed child process
    within ``limits`` (:func:`isolated`: no network, a deadline, a memory bound, a row cap),
    and inside :func:`kg.model.dataset.offline` as well, so that nothing in it reads other files.
    """

    name = "rdflib"

    def __init__(self, dataset: Dataset | Graph, limits: Limits | None = None) -> None:
        self.dataset = dataset
        self.limits = limits or Limits()

    def graph_names(self) -> set[str]:
        """IRIs of the non-empty named graphs (what ``FROM`` may name; rdflib fetches others)."""
        if not isinstance(self.dataset, Dataset):
            return set()
        return {
            str(g.identifier)
            for g in self.dataset.graphs()
            if isinstance(g.identifier, URIRef) and len(g) > 0
        }

    def query(self, text: str, bindings: Mapping[Variable, Node] | None = None) -> QueryResult:
        """Check ``text``, then evaluate it with ``bindings`` as rdflib's ``initBindings``."""
        parsed = check_safe(text, self.graph_names())
        algebra = parsed.algebra
        assert algebra is not None
        initial: dict[str, Any] = {str(v): t for v, t in (bindings or {}).items()}

        def evaluate() -> QueryResult:
            try:
                with offline():
                    result = self.dataset.query(algebra, initBindings=initial)
                    return QueryResult.from_rdflib(result)
            except (QueryError, MemoryError, RecursionError):
                raise
            except Exception as exc:  # rdflib's evaluation errors have no common base class
                message = " ".join(str(exc).split()) or type(exc).__name__
                raise QueryError(f"query failed on rdflib: {message}") from exc

        return isolated(self.limits, evaluate)


# --------------------------------------------------------------------------------------------
# pyoxigraph

_OX_XSD_STRING = ox.NamedNode(str(XSD.string))


def _graph_identifier(graph: Any) -> Node | None:
    """The name of a quad's graph (``None``: the default graph), whatever form rdflib gives."""
    identifier = getattr(graph, "identifier", graph)
    if identifier is None or identifier == DATASET_DEFAULT_GRAPH_ID:
        return None
    if not isinstance(identifier, URIRef | BNode):
        raise QueryError(f"cannot load a graph named {identifier!r} into Oxigraph")
    return identifier


def dataset_nquads(dataset: Dataset | Graph) -> bytes:
    """Every quad of ``dataset`` (a plain graph: its triples) as N-Quads, for a bulk load.

    Terms are written exactly (the N-Triples forms of :func:`kg.model.canonical.nt_term`; blank
    nodes relabelled ``_:b0``, ``_:b1``, … so that any rdflib label is a valid one), in
    rdflib's order: this is a transport format, not a canonical one (see :mod:`kg.publish.export`).

    >>> from kg.model.dataset import new_dataset
    >>> from kg.model.namespaces import ID, SKOS
    >>> ds = new_dataset()
    >>> _ = ds.graph(ID["graph/g"]).add((ID["organization/oyer"], SKOS.prefLabel, Literal("Øyer")))
    >>> dataset_nquads(ds).decode().split(" ")[2:]
    ['"Øyer"', '<https://w3id.org/samarbeidsgrafen/id/graph/g>', '.\\n']
    """
    written: dict[Node, str] = {}
    blanks: dict[BNode, str] = {}

    def term(node: Node) -> str:
        text = written.get(node)
        if text is None:
            if isinstance(node, BNode):
                text = blanks.setdefault(node, f"_:b{len(blanks)}")
            else:
                text = canonical.nt_term(node)
            if not isinstance(node, Literal):  # literals rarely repeat; keep the cache small
                written[node] = text
        return text

    if isinstance(dataset, Dataset):
        quads: Iterable[tuple[Node, Node, Node, Any]] = dataset.quads((None, None, None, None))
    else:
        quads = ((s, p, o, None) for s, p, o in dataset)
    lines = []
    for s, p, o, g in quads:
        name = _graph_identifier(g)
        graph = "" if name is None else " " + term(name)
        lines.append(f"{term(s)} {term(p)} {term(o)}{graph} .\n")
    return "".join(lines).encode("utf-8")


def oxigraph_store(dataset: Dataset | Graph, *, union_default: bool = True) -> ox.Store:
    """An in-memory :class:`pyoxigraph.Store` holding ``dataset``'s graphs (quads kept).

    With ``union_default`` the store's default graph also holds the union of all graphs, each
    triple once, which is what rdflib's ``Dataset(default_union=True)`` queries. Oxigraph's own
    union option (``use_default_graph_as_union``, ``--union-default-graph``) counts a triple
    once per graph that states it (oxigraph issue 1919, fixed after 0.5), so ``COUNT(*)`` and
    non-``DISTINCT`` rows would differ from rdflib when two sources state the same fact.
    """
    store = ox.Store()
    data = dataset_nquads(dataset)
    try:
        store.load(data, format=ox.RdfFormat.N_QUADS)
        if union_default:
            store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    except (SyntaxError, ValueError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise QueryError(f"cannot load the dataset into Oxigraph: {message}") from exc
    return store


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term (a parameter value to substitute).

    >>> to_oxigraph(Literal("2010-06-01", datatype=XSD.date))
    <Literal value=2010-06-01 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#date>>
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot pass {term!r} to Oxigraph")


def from_oxigraph(term: Any) -> Node | None:
    """The rdflib term for a pyoxigraph term; ``xsd:string`` literals plain, like :func:`_plain`.

    >>> from_oxigraph(ox.Literal("Øyer", language="nb"))
    rdflib.term.Literal('Øyer', lang='nb')
    >>> from_oxigraph(ox.Literal("x"))
    rdflib.term.Literal('x')
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype == _OX_XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"Oxigraph returned {term!r}, which is no RDF 1.1 term")


class OxigraphEngine:
    """pyoxigraph's SPARQL engine over an in-memory copy of a dataset (default graph = union).

    The answers are rdflib's (see :func:`oxigraph_store` for the union), 10 to 100 times
    faster on large data. The text is checked with :func:`kg.query.queries.check_safe` first, as on
    every engine; parameters are bound by a ``VALUES`` block (:func:`kg.query.binding.bind`, which
    proves that the block cannot change what the check saw), so they may be any variable of
    the query. A value no text can carry (:class:`kg.query.binding.UnwritableValueError`: a blank
    node, a string with ``\\u`` and hex digits in it) is substituted instead (pyoxigraph's
    ``substitutions``, SEP-0007), which binds only variables the query returns.

    >>> from kg.model.dataset import new_dataset
    >>> from kg.model.namespaces import ID, RDF, SG
    >>> ds = new_dataset()
    >>> _ = ds.graph(ID["graph/g"]).add((ID["organization/oyer"], RDF.type, SG.Municipality))
    >>> engine = OxigraphEngine(ds)
    >>> engine.query("SELECT ?m ?c WHERE { ?m a ?c }", {Variable("c"): SG.Municipality}).rows[0][0]
    rdflib.term.URIRef('https://w3id.org/samarbeidsgrafen/id/organization/oyer')
    >>> engine.query("SELECT ?m WHERE { ?m a ?c }", {Variable("c"): SG.Municipality}).rows
    ((rdflib.term.URIRef('https://w3id.org/samarbeidsgrafen/id/organization/oyer'),),)
    """

    name = "oxigraph"

    def __init__(self, dataset: Dataset | Graph, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        store = oxigraph_store(dataset)
        self.store: ox.Store | None = store
        self.path: Path | None = None
        self.union = False
        self._graph_names = frozenset(
            str(g.value) for g in store.named_graphs() if isinstance(g, ox.NamedNode)
        )

    @classmethod
    def of_store(
        cls, store: ox.Store, limits: Limits | None = None, *, union: bool = False
    ) -> OxigraphEngine:
        """An engine over an existing store, without copying it: its default graph holds the
        union already, or, with ``union``, queries read the union of its graphs as their
        default graph (Oxigraph's option, which counts a triple once per graph that states it:
        right for DISTINCT-safe queries, such as the catalogue's; a
        :class:`kg.model.store.LoadedStore` during a build)."""
        engine = cls.__new__(cls)
        engine.limits = limits or Limits()
        engine.store = store
        engine.path = None
        engine.union = union
        engine._graph_names = frozenset(
            str(g.value) for g in store.named_graphs() if isinstance(g, ox.NamedNode)
        )
        return engine

    @classmethod
    def of_path(
        cls, path: Path, graph_names: Iterable[str], limits: Limits | None = None
    ) -> OxigraphEngine:
        """An engine over a store on disk (a built store, :func:`kg.model.store.open_cached`),
        opened read-only by the process that evaluates each query (the sandboxed child: a
        database is never shared across ``fork``)."""
        engine = cls.__new__(cls)
        engine.limits = limits or Limits()
        engine.store = None
        engine.path = path
        engine.union = False
        engine._graph_names = frozenset(graph_names)
        return engine

    def _open(self) -> ox.Store:
        if self.store is None:
            assert self.path is not None
            self.store = ox.Store.read_only(str(self.path))
        return self.store

    def graph_names(self) -> set[str]:
        """IRIs of the named graphs (what ``FROM`` may name)."""
        return set(self._graph_names)

    def query(self, text: str, bindings: Mapping[Variable, Node] | None = None) -> QueryResult:
        """Check ``text``, then evaluate it with ``bindings`` bound by a ``VALUES`` block."""
        parsed = check_safe(text, self._graph_names)
        final = parsed.text
        substitutions: dict[ox.Variable, Any] = {}
        if bindings:
            try:
                final = bind(parsed, bindings)
            except UnwritableValueError:
                _require_projected(parsed, bindings)
                substitutions = {ox.Variable(str(v)): to_oxigraph(t) for v, t in bindings.items()}
        max_rows = self.limits.max_rows

        def evaluate() -> QueryResult:
            try:
                result = self._open().query(
                    final,
                    substitutions=substitutions or None,
                    use_default_graph_as_union=self.union,
                )
                return _from_oxigraph_result(result, max_rows)
            except (QueryError, MemoryError):
                raise
            except SyntaxError as exc:
                raise QuerySyntaxError(" ".join(str(exc).split())) from exc
            except Exception as exc:  # OSError, ValueError, RuntimeError: evaluation errors
                message = " ".join(str(exc).split()) or type(exc).__name__
                raise QueryError(f"query failed on oxigraph: {message}") from exc

        return isolated(self.limits, evaluate)


def _require_projected(parsed: ParsedQuery, bindings: Mapping[Variable, Node]) -> None:
    """Refuse, clearly, a binding pyoxigraph cannot substitute: a variable a SELECT or DESCRIBE
    does not return (Oxigraph implements SEP-0007 substitution on the projection only). Only a
    value no ``VALUES`` block can carry is substituted."""
    if parsed.kind not in ("select", "describe") or parsed.algebra is None:
        return
    projected = set(parsed.algebra.algebra.get("PV") or ())
    missing = sorted(str(v) for v in bindings if v not in projected)
    if missing:
        names = ", ".join(f"?{name}" for name in missing)
        raise ParameterError(
            f"the oxigraph engine binds such a value only to variables the query returns: add "
            f"{names} to the {parsed.kind.upper()} clause (or use the rdflib engine)"
        )


def _from_oxigraph_result(result: Any, max_rows: int) -> QueryResult:
    """Copy a pyoxigraph result, reading at most one row (or triple) more than ``max_rows``."""
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(Variable(v.value) for v in result.variables)
        rows = []
        for solution in result:
            rows.append(tuple(from_oxigraph(solution[str(v)]) for v in variables))
            _check_rows(len(rows), max_rows, "rows")
        return QueryResult("select", variables=variables, rows=tuple(rows))
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in result:
        _check_rows(len(graph) + 1, max_rows, "triples")
        s, p, o = (from_oxigraph(t) for t in (triple.subject, triple.predicate, triple.object))
        if s is None or p is None or o is None:  # pragma: no cover - a triple has all three
            raise QueryError(f"Oxigraph returned an incomplete triple {triple!r}")
        graph.add((s, p, o))
    return QueryResult("construct", graph=graph)


def open_engine(
    name: str = "rdflib",
    *,
    data: Path | Iterable[Path] | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    limits: Limits | None = None,
    max_bytes: int | None = None,
) -> Engine:
    """The engine a user asked for: a remote ``endpoint``, else ``name`` over ``data`` loaded.

    ``timeout`` (seconds) and ``max_bytes`` (the largest answer) apply to a remote endpoint
    (by default :data:`kg.query.remote.DEFAULT_TIMEOUT` and
    :data:`kg.query.remote.DEFAULT_MAX_BYTES`); a local engine keeps ``limits``.
    """
    if endpoint is not None:
        from kg.query.remote import DEFAULT_MAX_BYTES, RemoteEngine
        from kg.query.remote import DEFAULT_TIMEOUT as REMOTE_TIMEOUT

        return RemoteEngine(
            endpoint,
            timeout=REMOTE_TIMEOUT if timeout is None else timeout,
            max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
        )
    if name not in ENGINE_NAMES:
        raise QueryError(f"unknown engine '{name}' (use one of {', '.join(ENGINE_NAMES)})")
    if name == "oxigraph":
        from kg.model.store import open_cached

        cached = open_cached(data)
        return OxigraphEngine.of_path(cached.path, cached.graphs, limits)
    return RdflibEngine(load_dataset(data), limits)


def run(
    query: Query,
    engine: Engine,
    params: Mapping[str, str] | None = None,
    as_of: str | None = None,
) -> QueryResult:
    """Run a catalogue query on ``engine`` with typed parameters: the one way queries run.

    ``params`` are the user's values by parameter name (the header's examples fill in the
    rest); ``as_of`` binds the ``asOf`` parameter.
    """
    return engine.query(query.full_text, query.bindings(params, as_of))


def run_all(queries: Iterable[Query], engine: Engine) -> dict[str, QueryResult]:
    """Run several queries with their default parameters, by name (for summaries and tests)."""
    return {q.name: run(q, engine) for q in queries}


__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "ENGINE_NAMES",
    "Limits",
    "catalogue_limits",
    "pack",
    "unpack",
    "FORMATS",
    "GRAPH_FORMATS",
    "TABULAR_FORMATS",
    "check_format",
    "dataset_nquads",
    "Engine",
    "from_oxigraph",
    "open_engine",
    "OxigraphEngine",
    "oxigraph_store",
    "QueryResult",
    "RdflibEngine",
    "RemoteEngine",
    "Row",
    "run",
    "run_all",
    "to_oxigraph",
]


def __getattr__(name: str) -> Any:
    # ``from kg.query.engines import RemoteEngine`` works without importing SPARQLWrapper up front.
    if name == "RemoteEngine":
        from kg.query.remote import RemoteEngine

        return RemoteEngine
    raise AttributeError(f"module 'kg.query.engines' has no attribute {name!r}")
