"""Upload the dataset to a SPARQL store by the Graph Store Protocol, then check what it holds.

:func:`push` sends every named graph of the dataset (one per source document, the ontology and
the code lists) with one HTTP ``PUT`` per graph to the store's Graph Store Protocol endpoint,
addressed indirectly (``?graph=<IRI, percent-encoded>``). A ``PUT`` replaces the graph, so
pushing again never duplicates anything. Each graph travels as N-Triples, its blank nodes
labelled afresh (they are scoped to one request anyway).

Then it asks the query endpoint, through :class:`kg.remote.RemoteEngine`, how many triples
each graph holds (``COUNT(*)`` inside ``GRAPH``) and compares them with the local counts; a
difference is an :class:`~kg.errors.EndpointError` naming the graph and both counts.

Oxigraph serves queries at ``{base}/query`` and the Graph Store Protocol at ``{base}/store``;
:func:`graph_store_url` derives the second from the first. Other stores name it differently
(Fuseki: ``/{dataset}/data``), so give it explicitly there.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Dataset, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg import canonical
from kg.errors import EndpointError, OutputError
from kg.remote import DEFAULT_TIMEOUT, RemoteEngine, check_url, http_request

CONTENT_TYPE = "application/n-triples"
"""How each graph is sent."""

COUNT_QUERY = "SELECT (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }"
"""How many triples a graph holds; ``?graph`` is bound to each graph's IRI."""

_QUERY_SUFFIXES = ("/query", "/sparql")


@dataclass(frozen=True)
class GraphData:
    """One named graph, ready to send: its IRI and its distinct triples as N-Triples lines."""

    iri: URIRef
    lines: tuple[str, ...]

    @property
    def triples(self) -> int:
        """How many distinct triples the graph holds (what the store should count)."""
        return len(self.lines)

    def ntriples(self) -> bytes:
        """The graph as an N-Triples document."""
        return "".join(self.lines).encode("utf-8")


@dataclass(frozen=True)
class GraphUpload:
    """What happened to one graph: the HTTP status of its ``PUT`` and the counts compared."""

    iri: URIRef
    status: int
    local: int
    remote: int | None = None

    @property
    def matches(self) -> bool:
        """Whether the store holds as many triples in the graph as were sent."""
        return self.remote == self.local


@dataclass(frozen=True)
class PushReport:
    """A finished push: where the graphs went and, for each, its status and counts."""

    query_url: str
    store_url: str
    graphs: tuple[GraphUpload, ...]

    @property
    def triples(self) -> int:
        """How many triples were sent, over all graphs."""
        return sum(g.local for g in self.graphs)

    def to_table(self) -> str:
        """One line per graph: IRI, local and remote counts, status; then a summary line."""
        from kg.render import table

        rows = ([str(g.iri), str(g.local), str(g.remote), str(g.status)] for g in self.graphs)
        text = table(["graph", "triples", "on server", "PUT status"], rows)
        return (
            f"{text}\npushed {len(self.graphs)} graphs ({self.triples} triples) to "
            f"{self.store_url}; the counts at {self.query_url} match"
        )


def graph_store_url(query_url: str) -> str:
    """The Graph Store Protocol endpoint beside a query endpoint, Oxigraph's way.

    >>> graph_store_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/store'
    >>> graph_store_url("https://example.org/fuseki/ds")
    Traceback (most recent call last):
    kg.errors.EndpointError: https://example.org/fuseki/ds: cannot tell its Graph Store ...
    """
    parts = urllib.parse.urlsplit(check_url(query_url))
    for suffix in _QUERY_SUFFIXES:
        if parts.path.endswith(suffix):
            path = parts.path[: -len(suffix)] + "/store"
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    raise EndpointError(
        query_url,
        "cannot tell its Graph Store Protocol endpoint (the URL does not end in /query or "
        "/sparql); give it with --graph-store",
    )


def graph_url(store_url: str, iri: str) -> str:
    """The URL that names graph ``iri`` in the store, by indirect identification.

    >>> graph_url("http://127.0.0.1:7878/store", "https://w3id.org/x/graph/a?b#c")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fw3id.org%2Fx%2Fgraph%2Fa%3Fb%23c'
    """
    separator = "&" if urllib.parse.urlsplit(store_url).query else "?"
    return f"{store_url}{separator}graph={urllib.parse.quote(iri, safe='')}"


def _lines(triples: Iterable[tuple[Node, Node, Node]]) -> tuple[str, ...]:
    blanks: dict[BNode, str] = {}

    def term(node: Node) -> str:
        if isinstance(node, BNode):
            return blanks.setdefault(node, f"_:b{len(blanks)}")
        return canonical.nt_term(node)

    # a set: "x" and "x"^^xsd:string are one term, written once, as the store will count it
    written = {f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples}
    return tuple(sorted(written))


def named_graphs(dataset: Dataset) -> Iterator[GraphData]:
    """Every non-empty named graph of ``dataset``, sorted by IRI, ready to send.

    Triples in the default graph (from a file in a triple syntax) belong to no source and are
    not sent; a graph named by a blank node cannot be addressed and is refused.
    """
    graphs = [g for g in dataset.graphs() if not _is_default(g.identifier) and len(g) > 0]
    for graph in sorted(graphs, key=lambda g: str(g.identifier)):
        if not isinstance(graph.identifier, URIRef):
            raise OutputError(f"cannot push a graph named by a blank node ({graph.identifier!r})")
        canonical.check_iri(graph.identifier)
        yield GraphData(graph.identifier, _lines(graph))


def _is_default(identifier: Node) -> bool:
    return identifier == DATASET_DEFAULT_GRAPH_ID


def put_graph(
    store_url: str,
    graph: GraphData,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    user: str | None = None,
    password: str | None = None,
) -> int:
    """``PUT`` one graph (replacing what the store held under its IRI); returns the status."""
    response = http_request(
        "PUT",
        graph_url(store_url, graph.iri),
        data=graph.ntriples(),
        headers={"Content-Type": CONTENT_TYPE},
        timeout=timeout,
        user=user,
        password=password,
        doing=f"PUT <{graph.iri}>",
    )
    return response.status


def remote_count(engine: RemoteEngine, iri: URIRef) -> int:
    """How many triples the store's query endpoint counts in graph ``iri``."""
    result = engine.query(COUNT_QUERY, {Variable("graph"): iri})
    value = result.rows[0][0] if result.rows else None
    try:
        return int(str(value))
    except ValueError:
        raise EndpointError(engine.url, f"counted {value!r} triples in <{iri}>") from None


def push(
    dataset: Dataset,
    query_url: str,
    *,
    store_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PushReport:
    """Upload every named graph of ``dataset`` and check the store's counts; see the module.

    ``store_url`` is the Graph Store Protocol endpoint (default: :func:`graph_store_url` of
    ``query_url``). ``user`` and ``password`` go to both endpoints as HTTP Basic
    authentication. Raises :class:`EndpointError` on any failed request, and on the first
    graph whose count differs (naming it, both counts, and how many others differ).
    """
    store_url = check_url(store_url) if store_url is not None else graph_store_url(query_url)
    engine = RemoteEngine(query_url, timeout=timeout, user=user, password=password)
    graphs = list(named_graphs(dataset))
    statuses = [
        put_graph(store_url, g, timeout=timeout, user=user, password=password) for g in graphs
    ]
    uploads = tuple(
        GraphUpload(g.iri, status, g.triples, remote_count(engine, g.iri))
        for g, status in zip(graphs, statuses, strict=True)
    )
    wrong = [u for u in uploads if not u.matches]
    if wrong:
        first = wrong[0]
        more = f" (and {len(wrong) - 1} more graphs differ)" if len(wrong) > 1 else ""
        raise EndpointError(
            query_url,
            f"the store counts {first.remote} triples in graph <{first.iri}>, "
            f"but {first.local} were pushed{more}",
        )
    return PushReport(query_url, store_url, uploads)


__all__ = [
    "COUNT_QUERY",
    "GraphData",
    "GraphUpload",
    "PushReport",
    "graph_store_url",
    "graph_url",
    "named_graphs",
    "push",
    "put_graph",
    "remote_count",
]
