"""What the front says itself: resource pages, the service description and the query UI's data.

- every project IRI has a path on this server (:func:`local_path`): ``/id/{kind}/{slug}``,
  ``/vocab/{scheme}`` and ``/vocab/{scheme}/{concept}`` (described from the store), ``/ontology``
  (``#term``), ``/shapes`` (``#shape``) and ``/context/v1.jsonld`` (documents served whole, see
  :mod:`kg.server.documents`);
- ``/id/{kind}/{slug}`` (and ``/vocab/{scheme}/{concept}``): the resource's description, all
  triples with it as subject plus the labels of their objects, as Turtle, JSON-LD (compact,
  with the project's local context) or an HTML page linking related resources as paths on this
  server, where every statement lists the sources that make it (the source document, the date
  it speaks for, when it was read: one query for the page, :func:`sources_query`); as N-Quads
  or TriG, the resource's statements in the named graphs that hold them;
- the SPARQL Service Description of the endpoint;
- the catalogue of named queries for the UI, each with its parameters' example values bound by
  a ``VALUES`` block at the start of its ``WHERE`` group, so that the text runs as shown.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryError
from kg.model import canonical
from kg.model.namespaces import (
    BASE,
    DCTERMS,
    FOAF,
    FORMATS,
    ID,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SD,
    SG,
    SKOS,
    VOCAB,
    XSD,
    bind_prefixes,
)
from kg.model.render import shorten
from kg.query.binding import where_group_start
from kg.query.queries import Query, parse

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SCHEMA.name, FOAF.name)
"""Properties that give a resource its name, the preferred first."""
DESCRIPTION_PREDICATES = (*LABEL_PREDICATES, SKOS.notation)
"""What the description also says about each object: its names and notation."""
LANGUAGES = ("nb", "nn", "no", "en", "")
"""Label languages in order of preference (``""``: no language tag)."""

_SEGMENT = r"[A-Za-z0-9](?:[A-Za-z0-9._~-]*[A-Za-z0-9_~-])?"
_RESOURCE_PATH = re.compile(rf"/(id|vocab)/({_SEGMENT})/({_SEGMENT})")
_SCHEME_PATH = re.compile(rf"/vocab/({_SEGMENT})")
_FRAGMENT = r"[A-Za-z_][A-Za-z0-9_.-]*"
_DOCUMENT_PATH = re.compile(
    rf"/(ontology|shapes)(?:#(?:{_FRAGMENT})?|/{_SEGMENT})?|/context/v1\.jsonld"
)
"""Paths of the documents the server answers whole: the ontology and its hash terms, its
version IRIs (``/ontology/0.3.0``), the shapes (``/shapes#X``, ``/shapes/core``), the context."""


# --------------------------------------------------------------------------------------------
# Resources


def resource_iri(path: str) -> URIRef | None:
    """The project IRI a server path names, or ``None`` if it names none.

    >>> resource_iri("/id/organization/oyer")
    rdflib.term.URIRef('https://w3id.org/samarbeidsgrafen/id/organization/oyer')
    >>> resource_iri("/id/organization/oyer> } ; DROP ALL #") is None
    True
    """
    found = _RESOURCE_PATH.fullmatch(path)
    if found is None:
        return None
    namespace = ID if found.group(1) == "id" else VOCAB
    return URIRef(f"{namespace}{found.group(2)}/{found.group(3)}")


def scheme_iri(path: str) -> URIRef | None:
    """The code list (``skos:ConceptScheme``) a server path names, or ``None``.

    >>> scheme_iri("/vocab/role")
    rdflib.term.URIRef('https://w3id.org/samarbeidsgrafen/vocab/role')
    >>> scheme_iri("/vocab/role/owner") is None, scheme_iri("/vocab/") is None
    (True, True)
    """
    found = _SCHEME_PATH.fullmatch(path)
    return None if found is None else URIRef(f"{VOCAB}{found.group(1)}")


def local_path(iri: str) -> str | None:
    """The path on this server that answers for ``iri``, if the server answers for it: every
    IRI under the project's base that names a thing, a code list, a concept, the ontology or
    one of its terms, a shape, the JSON-LD context. A hash IRI keeps its fragment (the page has
    an element with that ``id``).

    >>> local_path("https://w3id.org/samarbeidsgrafen/vocab/role/owner")
    '/vocab/role/owner'
    >>> local_path("https://w3id.org/samarbeidsgrafen/vocab/role")
    '/vocab/role'
    >>> local_path("https://w3id.org/samarbeidsgrafen/ontology#Municipality")
    '/ontology#Municipality'
    >>> local_path("https://w3id.org/samarbeidsgrafen/shapes#AgentValue")
    '/shapes#AgentValue'
    >>> local_path("https://w3id.org/samarbeidsgrafen/ontology#")
    '/ontology#'
    >>> local_path("http://www.w3.org/ns/org#member") is None
    True
    >>> local_path("https://w3id.org/samarbeidsgrafen/ontology#a b") is None
    True
    """
    if not iri.startswith(BASE):
        return None
    path = "/" + iri[len(BASE) :]
    if resource_iri(path) is not None or scheme_iri(path) is not None:
        return path
    return path if _DOCUMENT_PATH.fullmatch(path) else None


_WEB_IRI = re.compile(r"https?://[^\x00-\x20<>\"{}|^`\\]+", re.IGNORECASE)


def link_target(iri: str) -> str | None:
    """What an ``href`` may point at for ``iri``: the local path of a project IRI, the IRI itself
    when it is an absolute ``http``/``https`` IRI, else ``None`` (no link at all).

    Only web IRIs become links, so data can never smuggle ``javascript:`` (or ``data:``,
    ``vbscript:``, ``file:``) into a page a browser runs.

    >>> link_target("https://w3id.org/samarbeidsgrafen/id/organization/oyer")
    '/id/organization/oyer'
    >>> link_target("http://www.w3.org/ns/org#member")
    'http://www.w3.org/ns/org#member'
    >>> link_target("javascript:alert(1)") is None, link_target("JaVaScRiPt:alert(1)") is None
    (True, True)
    """
    path = local_path(iri)
    if path is not None:
        return path
    return iri if _WEB_IRI.fullmatch(iri) else None


def description_query(iri: URIRef) -> str:
    """CONSTRUCT of the triples with ``iri`` as subject and the names of their objects."""
    names = " ".join(canonical.nt_iri(p) for p in DESCRIPTION_PREDICATES)
    subject = canonical.nt_iri(iri)
    return (
        f"CONSTRUCT {{ {subject} ?p ?o . ?o ?np ?name . }}\n"
        f"WHERE {{ {subject} ?p ?o .\n"
        f"  OPTIONAL {{ ?o ?np ?name . VALUES ?np {{ {names} }} }} }}"
    )


def inbound_query(iri: URIRef, limit: int = 500) -> str:
    """SELECT of the resources that point at ``iri``: subject, property and a name."""
    names = " ".join(canonical.nt_iri(p) for p in LABEL_PREDICATES)
    return (
        f"SELECT DISTINCT ?s ?p ?name WHERE {{ ?s ?p {canonical.nt_iri(iri)} .\n"
        f"  OPTIONAL {{ ?s ?np ?name . VALUES ?np {{ {names} }} }} }}\n"
        f"ORDER BY ?s ?p LIMIT {limit}"
    )


def sources_query(iri: URIRef) -> str:
    """SELECT of every statement with ``iri`` as subject in every named graph that holds it,
    with the graph's source where the graph is a source graph: the source document, its title
    (nb, else en), the date it speaks for (``sg:asOf``) and when the graph was read
    (``dct:created``). One query for the whole page, never one per statement."""
    subject = canonical.nt_iri(iri)
    title = canonical.nt_iri(DCTERMS.title)
    return (
        "SELECT DISTINCT ?p ?o ?graph ?source ?title ?asOf ?read WHERE {\n"
        f"  GRAPH ?graph {{ {subject} ?p ?o }}\n"
        "  OPTIONAL {\n"
        f"    ?graph a {canonical.nt_iri(SG.SourceGraph)} ;\n"
        f"      {canonical.nt_iri(PROV.wasDerivedFrom)} ?source .\n"
        f"    OPTIONAL {{ ?graph {canonical.nt_iri(DCTERMS.created)} ?read }}\n"
        f'    OPTIONAL {{ ?source {title} ?nb FILTER(LANG(?nb) = "nb") }}\n'
        f'    OPTIONAL {{ ?source {title} ?en FILTER(LANG(?en) = "en") }}\n'
        "    BIND(COALESCE(?nb, ?en) AS ?title)\n"
        f"    OPTIONAL {{ ?source {canonical.nt_iri(SG.asOf)} ?asOf }}\n"
        "  }\n"
        "}\n"
        "ORDER BY ?p ?o ?graph ?source"
    )


@dataclass(frozen=True)
class Source:
    """One source graph that holds a statement, and what the page says about it."""

    graph: URIRef
    source: URIRef
    title: str | None = None
    as_of: Literal | None = None
    """The date or year the source document speaks for (``sg:asOf``), if it states one."""
    read: Literal | None = None
    """When the graph was read from the document (``dct:created``)."""


@dataclass(frozen=True)
class Statements:
    """The answer of :func:`sources_query`: each statement's graphs, and the sources of those
    that are source graphs."""

    quads: tuple[tuple[Node, Node, URIRef], ...] = ()
    """(predicate, object, graph) of every statement in every named graph that holds it."""
    sources: Mapping[tuple[Node, Node], tuple[Source, ...]] | None = None
    """(predicate, object) → its sources, in graph order."""

    def of(self, predicate: Node, value: Node) -> tuple[Source, ...]:
        """The sources of the statement (subject, ``predicate``, ``value``); none if unknown."""
        return (self.sources or {}).get((predicate, value), ())


def _json_term(value: Mapping[str, str]) -> Node | None:
    """An rdflib term of a SPARQL JSON results term (``None`` for a blank node)."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind in ("literal", "typed-literal"):
        language = value.get("xml:lang")
        if language:
            return Literal(value["value"], lang=language)
        datatype = value.get("datatype")
        if datatype and datatype != str(XSD.string):
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    return None


def statements_of(body: bytes) -> Statements:
    """The :class:`Statements` of a :func:`sources_query` answer in SPARQL JSON results.

    >>> row = {"p": {"type": "uri", "value": "urn:x:p"}, "o": {"type": "literal", "value": "x"},
    ...        "graph": {"type": "uri", "value": "urn:x:g"}, "source": {"type": "uri",
    ...        "value": "urn:x:s"}, "read": {"type": "literal", "value": "2026-11-29",
    ...        "datatype": "http://www.w3.org/2001/XMLSchema#date"}}
    >>> found = statements_of(json.dumps({"results": {"bindings": [row]}}).encode())
    >>> [(s.source, str(s.read)) for s in found.of(URIRef("urn:x:p"), Literal("x"))]
    [(rdflib.term.URIRef('urn:x:s'), '2026-11-29')]
    """
    quads: list[tuple[Node, Node, URIRef]] = []
    sources: dict[tuple[Node, Node], list[Source]] = {}
    for row in json.loads(body)["results"]["bindings"]:
        terms = {name: _json_term(value) for name, value in row.items()}
        predicate, value, graph = terms.get("p"), terms.get("o"), terms.get("graph")
        if predicate is None or value is None or not isinstance(graph, URIRef):
            continue  # a blank node: the page cannot match it to the description's
        quads.append((predicate, value, graph))
        source = terms.get("source")
        if not isinstance(source, URIRef):
            continue
        title, as_of, read = terms.get("title"), terms.get("asOf"), terms.get("read")
        found = Source(
            graph,
            source,
            str(title) if title is not None else None,
            as_of if isinstance(as_of, Literal) else None,
            read if isinstance(read, Literal) else None,
        )
        listed = sources.setdefault((predicate, value), [])
        if found not in listed:
            listed.append(found)
    return Statements(tuple(quads), {key: tuple(found) for key, found in sources.items()})


def resource_quads(iri: URIRef, statements: Statements) -> list[canonical.Quad]:
    """The resource's statements as quads, each in the named graph that holds it."""
    quads = [(iri, p, o, g) for p, o, g in statements.quads]
    return canonical.canonical_quads(quads)


def about_query(iri: URIRef) -> str:
    """The query the resource page offers to open in the UI."""
    return (
        "SELECT ?property ?value WHERE {\n"
        f"  {canonical.nt_iri(iri)} ?property ?value .\n"
        "} ORDER BY ?property ?value"
    )


def label(graph: Graph, node: Node) -> str | None:
    """The best name of ``node`` in ``graph``: by property, then by language preference."""
    for predicate in LABEL_PREDICATES:
        values = [o for o in graph.objects(node, predicate) if isinstance(o, Literal)]
        if values:
            return str(min(values, key=_language_rank))
    return None


def _language_rank(value: Literal) -> tuple[int, str]:
    language = (value.language or "").lower()
    rank = LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES)
    return rank, str(value)


def term_html(term: Node, graph: Graph, names: Mapping[str, str] | None = None) -> str:
    """A term as HTML: a literal with its language or datatype, an IRI with its name (from
    ``graph``, else ``names``) linked to its page where :func:`link_target` allows."""
    return _term_html(term, graph, dict(names or {}))


def _term_html(term: Node, graph: Graph, names: dict[str, str]) -> str:
    if isinstance(term, Literal):
        text = html.escape(str(term))
        if term.language:
            return f'{text} <span class="lang">@{html.escape(term.language)}</span>'
        if term.datatype is not None and term.datatype != RDF.langString:
            datatype = html.escape(shorten(term.datatype))
            return f'{text} <span class="datatype">{datatype}</span>'
        return text
    if isinstance(term, BNode):
        return f'<span class="bnode">_:{html.escape(str(term))}</span>'
    iri = str(term)
    notation = graph.value(term, SKOS.notation)
    name = label(graph, term) or names.get(iri) or (str(notation) if notation else None)
    shown = html.escape(shorten(term))
    text = f'{html.escape(name)} <span class="iri">{shown}</span>' if name else shown
    href = link_target(iri)
    if href is None:  # javascript:, data:, mailto:, urn: … are shown, never linked
        return f'<span class="iri-text">{text}</span>'
    return f'<a href="{html.escape(href, quote=True)}">{text}</a>'


def _sources_html(sources: Sequence[Source]) -> str:
    """The small list under a value: each source's title (linked to its page), the date it
    speaks for and when it was read."""
    if not sources:
        return ""
    items = []
    for found in sources:
        title = html.escape(found.title or shorten(found.source))
        href = link_target(str(found.source))
        if href is None:
            name = f'<span class="source-title">{title}</span>'
        else:
            name = f'<a class="source-title" href="{html.escape(href, quote=True)}">{title}</a>'
        as_of = (
            f"as of {html.escape(str(found.as_of))}" if found.as_of is not None else "no as-of date"
        )
        read = f"read {html.escape(str(found.read))}" if found.read is not None else "read: unknown"
        graph = html.escape(f"graph {shorten(found.graph)}", quote=True)
        items.append(
            f'<li title="{graph}">{name} <span class="as-of">{as_of}</span>, '
            f'<span class="read">{read}</span></li>'
        )
    return f'<ul class="sources">{"".join(items)}</ul>'


def _sorted_predicates(predicates: Iterable[Node]) -> list[Node]:
    return sorted(set(predicates), key=lambda p: (p != RDF.type, shorten(p)))


def _alternate_link(iri: URIRef) -> list[str]:
    """The page's ``<link rel="alternate">`` to the resource's Turtle, if it is a web IRI."""
    if _WEB_IRI.fullmatch(iri) is None:
        return []
    return [f'<link rel="alternate" type="text/turtle" href="{html.escape(iri, quote=True)}">']


def resource_html(
    iri: URIRef,
    graph: Graph,
    inbound: Sequence[tuple[Node, Node, str | None]],
    statements: Statements | None = None,
    extra: Sequence[str] = (),
) -> str:
    """The HTML page of a resource: its name, properties with linked values and the sources of
    each (``statements``, from :func:`sources_query`), what links here, then the ``extra``
    HTML (a concept's other concepts, say)."""
    name = label(graph, iri) or shorten(iri)
    statements = statements or Statements()
    rows = []
    for predicate in _sorted_predicates(graph.predicates(iri, None)):
        values = sorted(graph.objects(iri, predicate), key=canonical.nt_term)
        cells = "".join(
            f'<li><span class="value">{_term_html(v, graph, {})}</span>'
            f"{_sources_html(statements.of(predicate, v))}</li>"
            for v in values
        )
        rows.append(
            f"<tr><th>{_term_html(predicate, graph, {})}</th><td><ul>{cells}</ul></td></tr>"
        )
    inbound_names = {str(s): n for s, _, n in inbound if n}
    incoming = []
    for subject, predicate, _ in inbound:
        incoming.append(
            f"<tr><td>{_term_html(subject, graph, inbound_names)}</td>"
            f"<td>{_term_html(predicate, graph, {})}</td></tr>"
        )
    query_link = "/?" + urlencode({"query": about_query(iri)}, quote_via=quote)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nb">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(name)} – samarbeidsgrafen</title>",
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
        '<link rel="stylesheet" href="/static/style.css">',
        *_alternate_link(iri),
        "</head>",
        "<body>",
        '<header><a href="/">samarbeidsgrafen</a></header>',
        "<main>",
        f'<h1 id="label">{html.escape(name)}</h1>',
        f'<p class="iri"><code id="iri">{html.escape(str(iri))}</code></p>',
        f'<p><a id="query-link" href="{html.escape(query_link, quote=True)}">'
        "Open a query about it in the SPARQL UI</a></p>",
        '<table id="properties"><tbody>',
        *rows,
        "</tbody></table>",
    ]
    if incoming:
        parts += [
            "<h2>Referenced by</h2>",
            '<table id="inbound"><tbody>',
            *incoming,
            "</tbody></table>",
        ]
    parts += [*extra, "</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# Service description


RESULT_FORMATS = (
    FORMATS.SPARQL_Results_JSON,
    FORMATS.SPARQL_Results_XML,
    FORMATS.SPARQL_Results_CSV,
    FORMATS.SPARQL_Results_TSV,
    FORMATS.Turtle,
    FORMATS["N-Triples"],
    FORMATS["JSON-LD"],
    FORMATS.RDF_XML,
    FORMATS["N-Quads"],
)


def service_description(endpoint: str, graphs: Iterable[str]) -> Graph:
    """The endpoint's SPARQL Service Description: SPARQL 1.1 Query only (no update, no
    federation), the result formats, the union default graph and the named graphs."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    service = URIRef(endpoint)
    dataset = BNode("dataset")
    default = BNode("defaultGraph")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.EmptyGraphs))
    for result_format in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, result_format))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in sorted(graphs):
        named = BNode(f"graph{len(list(graph.objects(dataset, SD.namedGraph)))}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    return graph


def graph_bytes(graph: Graph, media_type: str) -> bytes:
    """``graph`` in an RDF media type (Turtle and N-Triples canonical)."""
    triples = canonical.triples_of(canonical.canonical_quads((s, p, o, None) for s, p, o in graph))
    if media_type == "text/turtle":
        prefixes = {**PREFIXES, "sd": str(SD), "formats": str(FORMATS)}
        return canonical.turtle(triples, prefixes).encode("utf-8")
    if media_type in ("application/n-triples", "application/n-quads"):
        return canonical.ntriples(triples).encode("utf-8")
    if media_type == "application/ld+json":
        from kg.model import jsonld

        return jsonld.dumps(jsonld.compact(jsonld.expand(triples)))
    if media_type == "application/rdf+xml":
        return graph.serialize(format="xml", encoding="utf-8")
    raise ValueError(f"no writer for {media_type}")


# --------------------------------------------------------------------------------------------
# The query UI's catalogue


_KEPT_HEADER = re.compile(r"#\s?(title|param):")


def _split_header(text: str) -> tuple[str, str]:
    """(the leading comment lines, the rest) of a query text."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and (not lines[count].strip() or lines[count].lstrip()[:1] == "#"):
        count += 1
    return "".join(lines[:count]), "".join(lines[count:])


def _used_prologue(body: str, declared: frozenset[str]) -> str:
    """``PREFIX`` lines for the project prefixes ``body`` uses and does not declare."""
    code = "\n".join(line.split("#", 1)[0] for line in body.splitlines())  # roughly, no comments
    lines = [
        f"PREFIX {prefix}: <{iri}>\n"
        for prefix, iri in PREFIXES.items()
        if prefix not in declared and re.search(rf"(?<![\w<:/#.-]){re.escape(prefix)}:", code)
    ]
    return "".join(lines)


def display_text(query: Query) -> str:
    """The text the UI shows for a catalogue query: runnable as it stands.

    Of the header, the title and parameter lines stay (the UI shows the description beside
    it). The project prefixes it uses are declared, and each
    parameter's example value is bound by a ``VALUES`` block at the start of the WHERE group:
    the same values the CLI binds by default.
    """
    header, body = _split_header(query.text)
    kept = [line for line in header.splitlines(keepends=True) if _KEPT_HEADER.match(line)]
    declared = parse(query.text).declared_prefixes  # parsed (and cached) by the catalogue
    text = "".join(kept) + _used_prologue(body, declared) + body
    params = [p for p in query.params if p.example is not None]
    if not params:
        return text
    try:
        start = where_group_start(text)
    except QueryError:  # \u escapes outside strings: no safe place for the block
        return text
    if start is None:
        return text
    variables = " ".join(f"?{p.name}" for p in params)
    values = " ".join(canonical.nt_term(p.convert(p.example or "")) for p in params)
    block = f"\n  # the parameters' example values\n  VALUES ({variables}) {{ ({values}) }}"
    return text[: start + 1] + block + text[start + 1 :]


def catalogue_json(queries: Iterable[Query]) -> dict[str, Any]:
    """The UI's list of named queries (title, description, parameters, runnable text)."""
    entries = []
    for query in queries:
        entries.append(
            {
                "name": query.name,
                "title": query.title or query.name,
                "description": query.description,
                "kind": query.kind,
                "tags": list(query.tags),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "example": p.example,
                        "description": p.description,
                    }
                    for p in query.params
                ],
                "text": display_text(query),
            }
        )
    return {"prefixes": PREFIXES, "base": BASE, "queries": entries}


__all__ = [
    "LABEL_PREDICATES",
    "Source",
    "Statements",
    "about_query",
    "catalogue_json",
    "description_query",
    "display_text",
    "graph_bytes",
    "inbound_query",
    "label",
    "link_target",
    "local_path",
    "resource_html",
    "resource_iri",
    "resource_quads",
    "scheme_iri",
    "service_description",
    "sources_query",
    "statements_of",
    "term_html",
]
