"""What ``kg serve`` answers besides the store's resources: documents served whole, code-list
pages, and the built documentation.

- ``/ontology`` (and ``/ontology.ttl``, ``.jsonld``, ``.nt``, ``.html``, and the version IRI
  ``/ontology/{version}``): ``dist/ontology.ttl`` as Turtle (the very bytes), JSON-LD,
  N-Triples or an HTML page where every term of the ontology has an element whose ``id`` is
  its fragment, so that ``…/ontology#Membership`` lands on it (a fragment never reaches a
  server: the hash IRIs dereference to this one document, which describes them all);
- ``/shapes`` (``#Shape``, ``/shapes/core``, ``/shapes/recommended``): ``dist/shapes.ttl`` the
  same way;
- ``/vocab/{scheme}``: a code list with all its concepts (:func:`scheme_query`), and on each
  concept's page the other concepts of its list (:func:`siblings_html`);
- ``/docs/``: the files of ``dist/docs/`` (:func:`docs_file`), never a file outside it.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from kg.model import canonical
from kg.model.namespaces import RDF, RDFS, SG, SH, SHAPES, SKOS
from kg.model.render import shorten
from kg.server import pages

DOCUMENT_TYPES = ("text/turtle", "application/ld+json", "text/html", "application/n-triples")
"""Media types of a whole document, the server's preference first (``*/*`` gets Turtle)."""
SUFFIX_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".html": "text/html",
    ".nt": "application/n-triples",
}
"""``/ontology.ttl`` and the like: a representation chosen by the path, not by ``Accept``."""

DOCS_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".jsonld": "application/ld+json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
"""Content types of the documentation's files; any other file is ``application/octet-stream``."""
ACTIVE_SUFFIXES = frozenset({".html", ".htm", ".svg"})
"""Files a browser may run script in: served with the server's Content-Security-Policy."""


# --------------------------------------------------------------------------------------------
# Documents served whole


@dataclass(frozen=True)
class Kind:
    """A kind of document: its file in ``dist/``, the namespace of its terms, its title."""

    name: str
    file: str
    namespace: str
    title: str
    groups: tuple[tuple[str, frozenset[URIRef]], ...]
    """Headings of the HTML page and the ``rdf:type`` values whose terms go under each; terms
    of no listed type go under the last heading."""


ONTOLOGY = Kind(
    "ontology",
    "ontology.ttl",
    str(SG),
    "The samarbeidsgrafen ontology",
    (
        ("Classes", frozenset({OWL.Class, RDFS.Class})),
        ("Object properties", frozenset({OWL.ObjectProperty})),
        ("Datatype properties", frozenset({OWL.DatatypeProperty})),
        ("Annotation properties", frozenset({OWL.AnnotationProperty})),
        ("Properties", frozenset({RDF.Property})),
        ("Other terms", frozenset()),
    ),
)
SHAPES_KIND = Kind(
    "shapes",
    "shapes.ttl",
    str(SHAPES),
    "The samarbeidsgrafen shapes",
    (
        ("Node shapes", frozenset({SH.NodeShape})),
        ("Property shapes", frozenset({SH.PropertyShape})),
        ("Other shapes and definitions", frozenset()),
    ),
)
KINDS = {kind.name: kind for kind in (ONTOLOGY, SHAPES_KIND)}


@dataclass
class Document:
    """A document of ``dist/`` (the ontology, the shapes): its graph and its representations,
    each rendered once, when first asked for."""

    kind: Kind
    turtle: bytes
    graph: Graph
    _rendered: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def read(cls, kind: Kind, path: Path) -> Document:
        """The document in ``path`` (Turtle, as ``kg build`` writes it)."""
        turtle = path.read_bytes()
        graph = Graph(bind_namespaces="none")
        graph.parse(data=turtle.decode("utf-8"), format="turtle")
        return cls(kind, turtle, graph)

    def render(self, media_type: str) -> bytes:
        """The document in one of :data:`DOCUMENT_TYPES`."""
        if media_type == "text/turtle":
            return self.turtle
        with self._lock:
            if media_type not in self._rendered:
                if media_type == "text/html":
                    body = document_html(self.kind, self.graph).encode("utf-8")
                else:
                    body = pages.graph_bytes(self.graph, media_type)
                self._rendered[media_type] = body
            return self._rendered[media_type]

    def names(self, iri: URIRef) -> bool:
        """Whether ``iri`` is said anything about here (``/shapes/core``: yes; ``/shapes/x``:
        no)."""
        return (iri, None, None) in self.graph

    def versions(self) -> set[str]:
        """The version IRIs the document states (``owl:versionIRI``)."""
        return {str(o) for o in self.graph.objects(None, OWL.versionIRI)}


def terms(graph: Graph, namespace: str) -> list[URIRef]:
    """Every subject of ``graph`` in ``namespace``, with a fragment, sorted."""
    found = {
        s
        for s in graph.subjects()
        if isinstance(s, URIRef) and s.startswith(namespace) and s != namespace
    }
    return sorted(found, key=str)


def fragment(term: URIRef, namespace: str) -> str:
    """The fragment of a hash term: the ``id`` of its element on the page."""
    return str(term)[len(namespace) :]


_MAX_DEPTH = 4
"""How deeply blank nodes (``[ sh:inversePath … ]``, ``owl:unionOf ( … )``) are drawn."""


def _list_items(graph: Graph, node: Node) -> list[Node] | None:
    """The members of the RDF list at ``node``, or ``None`` if it is not a well-formed list."""
    items: list[Node] = []
    seen: set[Node] = set()
    while node != RDF.nil:
        if node in seen or not isinstance(node, BNode):
            return None
        seen.add(node)
        first = graph.value(node, RDF.first)
        rest = graph.value(node, RDF.rest)
        if first is None or rest is None:
            return None
        items.append(first)
        node = rest
    return items


def value_html(term: Node, graph: Graph, depth: int = 0) -> str:
    """A value as HTML: blank nodes drawn as nested property lists, RDF lists as ``( … )``,
    multi-line texts (a SPARQL constraint) as preformatted text."""
    if isinstance(term, BNode):
        items = _list_items(graph, term)
        if items is not None:
            inner = ", ".join(value_html(i, graph, depth + 1) for i in items)
            return f'<span class="list">( {inner} )</span>'
        if depth >= _MAX_DEPTH or (term, None, None) not in graph:
            return '<span class="bnode">[ … ]</span>'
        rows = []
        for predicate in _predicates(graph, term):
            for value in _values(graph, term, predicate, depth + 1):
                rows.append(f"<li>{pages.term_html(predicate, graph)} {value}</li>")
        return f'<ul class="bnode">{"".join(rows)}</ul>'
    if isinstance(term, Literal) and "\n" in str(term):
        return f"<pre>{html.escape(str(term))}</pre>"
    return pages.term_html(term, graph)


def _predicates(graph: Graph, subject: Node) -> list[Node]:
    return sorted(set(graph.predicates(subject, None)), key=lambda p: (p != RDF.type, shorten(p)))


def _values(graph: Graph, subject: Node, predicate: Node, depth: int) -> list[str]:
    """The HTML of each value, sorted (by N-Triples, blank nodes by their drawing: their labels
    differ from one parse to the next, the page must not)."""
    values = list(graph.objects(subject, predicate))
    drawn = [(canonical.nt_term(v) if not isinstance(v, BNode) else "", v) for v in values]
    shown = [(key, value_html(v, graph, depth)) for key, v in drawn]
    return [text for _, text in sorted(shown, key=lambda pair: (pair[0] == "", pair))]


def properties_html(graph: Graph, subject: Node, leave_out: Iterable[Node] = ()) -> str:
    """A table of what ``graph`` says about ``subject`` (values linked)."""
    skipped = set(leave_out)
    rows = []
    for predicate in _predicates(graph, subject):
        if predicate in skipped:
            continue
        cells = "".join(f"<li>{v}</li>" for v in _values(graph, subject, predicate, 0))
        rows.append(
            f"<tr><th>{pages.term_html(predicate, graph)}</th><td><ul>{cells}</ul></td></tr>"
        )
    return f'<table class="properties"><tbody>{"".join(rows)}</tbody></table>'


def _head(title: str, alternate: str | None) -> list[str]:
    link = (
        [f'<link rel="alternate" type="text/turtle" href="{html.escape(alternate, quote=True)}">']
        if alternate
        else []
    )
    return [
        "<!DOCTYPE html>",
        '<html lang="nb">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)} – samarbeidsgrafen</title>",
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
        '<link rel="stylesheet" href="/static/style.css">',
        *link,
        "</head>",
        "<body>",
        '<header><a href="/">samarbeidsgrafen</a></header>',
        "<main>",
    ]


_TAIL = ["</main>", "</body>", "</html>", ""]


def document_html(kind: Kind, graph: Graph) -> str:
    """The HTML page of a whole document: its header (the ``owl:Ontology`` subjects), a table
    of contents, then every term in a ``<section id="{fragment}">`` under its heading."""
    headers = sorted(
        (s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)), key=str
    )
    title = kind.title
    if headers:
        title = pages.label(graph, headers[0]) or title
    parts = _head(title, f"/{kind.name}.ttl")
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts.append(
        f'<p class="iri"><code>{html.escape(kind.namespace)}</code> · '
        f'<a href="/{kind.name}.ttl">Turtle</a> · <a href="/{kind.name}.jsonld">JSON-LD</a> · '
        f'<a href="/{kind.name}.nt">N-Triples</a></p>'
    )
    for header in headers:
        if len(headers) > 1:  # the shapes: core and recommended
            heading = pages.label(graph, header) or shorten(header)
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(f'<p class="iri"><code>{html.escape(str(header))}</code></p>')
        parts.append(properties_html(graph, header))
    grouped: dict[str, list[URIRef]] = {heading: [] for heading, _ in kind.groups}
    for term in terms(graph, kind.namespace):
        types = set(graph.objects(term, RDF.type))
        heading = next((h for h, wanted in kind.groups if types & wanted), kind.groups[-1][0])
        grouped[heading].append(term)
    contents = []
    for heading, members in grouped.items():
        if not members:
            continue
        links = ", ".join(
            f'<a href="#{html.escape(fragment(t, kind.namespace), quote=True)}">'
            f"{html.escape(fragment(t, kind.namespace))}</a>"
            for t in members
        )
        contents.append(f"<li>{html.escape(heading)}: {links}</li>")
    parts.append(f'<nav><ul class="contents">{"".join(contents)}</ul></nav>')
    for heading, members in grouped.items():
        if not members:
            continue
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for term in members:
            local = fragment(term, kind.namespace)
            name = pages.label(graph, term)
            shown = f"{html.escape(name)} " if name else ""
            parts += [
                f'<section class="term" id="{html.escape(local, quote=True)}">',
                f"<h3>{shown}<code>{html.escape(shorten(term))}</code></h3>",
                f'<p class="iri"><code>{html.escape(str(term))}</code></p>',
                properties_html(graph, term),
                "</section>",
            ]
    parts += _TAIL
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# Code lists

MAPPINGS = (
    SKOS.broader,
    SKOS.narrower,
    SKOS.related,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
"""The concept's links to other concepts the code-list page shows."""


def scheme_query(scheme: URIRef) -> str:
    """CONSTRUCT of a code list: what it says, every concept in it (``skos:inScheme`` or
    ``skos:topConceptOf``) with all they say, and the names and notations of their objects."""
    names = " ".join(canonical.nt_iri(p) for p in pages.DESCRIPTION_PREDICATES)
    subject = canonical.nt_iri(scheme)
    in_scheme = f"{canonical.nt_iri(SKOS.inScheme)}|{canonical.nt_iri(SKOS.topConceptOf)}"
    return (
        f"CONSTRUCT {{ ?s ?p ?o . ?o ?np ?name . }}\n"
        f"WHERE {{\n"
        f"  {{ BIND({subject} AS ?s) }} UNION {{ ?s {in_scheme} {subject} }}\n"
        f"  ?s ?p ?o .\n"
        f"  OPTIONAL {{ ?o ?np ?name . VALUES ?np {{ {names} }} }}\n"
        f"}}"
    )


def concepts(graph: Graph, scheme: URIRef) -> list[URIRef]:
    """The concepts of ``scheme`` in ``graph``, by notation, then IRI."""
    found = {
        c
        for predicate in (SKOS.inScheme, SKOS.topConceptOf)
        for c in graph.subjects(predicate, scheme)
        if isinstance(c, URIRef)
    }
    found |= {c for c in graph.objects(scheme, SKOS.hasTopConcept) if isinstance(c, URIRef)}
    found = {c for c in found if (c, None, None) in graph}

    def key(concept: URIRef) -> tuple[str, str]:
        notation = graph.value(concept, SKOS.notation)
        return (str(notation) if notation is not None else "\uffff", str(concept))

    return sorted(found, key=key)


def _texts(graph: Graph, subject: Node, predicate: Node) -> str:
    values = sorted(
        (v for v in graph.objects(subject, predicate) if isinstance(v, Literal)),
        key=lambda v: (
            pages.LANGUAGES.index((v.language or "").lower())
            if (v.language or "").lower() in pages.LANGUAGES
            else len(pages.LANGUAGES)
        ),
    )
    return "<br>".join(pages.term_html(v, graph) for v in values)


def _slug(concept: URIRef, scheme: URIRef) -> str:
    return str(concept)[len(str(scheme)) + 1 :] if concept.startswith(f"{scheme}/") else ""


def scheme_html(scheme: URIRef, graph: Graph) -> str:
    """The page of a code list: its names and description, then a table of its concepts
    (notation, names, definition, links to other concepts), each row ``id="{concept slug}"``."""
    name = pages.label(graph, scheme) or shorten(scheme)
    parts = _head(name, str(scheme))
    parts += [
        f"<h1>{html.escape(name)}</h1>",
        f'<p class="iri"><code>{html.escape(str(scheme))}</code></p>',
        properties_html(graph, scheme, leave_out=(SKOS.hasTopConcept,)),
        "<h2>Concepts</h2>",
        '<table class="concepts"><thead><tr><th>Notation</th><th>Concept</th><th>Definition</th>'
        "<th>Links</th></tr></thead><tbody>",
    ]
    for concept in concepts(graph, scheme):
        slug = _slug(concept, scheme)
        row_id = f' id="{html.escape(slug, quote=True)}"' if slug else ""
        notation = ", ".join(
            html.escape(n) for n in sorted(str(v) for v in graph.objects(concept, SKOS.notation))
        )
        labels = _texts(graph, concept, SKOS.prefLabel) or html.escape(shorten(concept))
        href = pages.link_target(str(concept))
        link = (
            f'<a href="{html.escape(href, quote=True)}">{labels}</a>'
            if href is not None
            else labels
        )
        definition = _texts(graph, concept, SKOS.definition) or _texts(
            graph, concept, SKOS.scopeNote
        )
        links = []
        for predicate in MAPPINGS:
            for target in sorted(graph.objects(concept, predicate), key=canonical.nt_term):
                links.append(
                    f"{pages.term_html(predicate, graph)} {pages.term_html(target, graph)}"
                )
        parts.append(
            f"<tr{row_id}><td>{notation}</td><td>{link}</td><td>{definition}</td>"
            f"<td>{'<br>'.join(links)}</td></tr>"
        )
    parts += ["</tbody></table>", *_TAIL]
    return "\n".join(parts)


def siblings_html(concept: URIRef, schemes: Sequence[tuple[URIRef, Graph]]) -> list[str]:
    """For a concept's page: a link to each code list it is in and to the list's other
    concepts."""
    parts = []
    for scheme, graph in schemes:
        name = pages.label(graph, scheme) or shorten(scheme)
        href = pages.link_target(str(scheme)) or str(scheme)
        others = [c for c in concepts(graph, scheme) if c != concept]
        items = "".join(f"<li>{pages.term_html(c, graph)}</li>" for c in others)
        parts += [
            f'<h2>Other concepts in <a class="scheme" href="{html.escape(href, quote=True)}">'
            f"{html.escape(name)}</a></h2>",
            f'<ul class="concepts">{items}</ul>',
        ]
    return parts


def schemes_of(graph: Graph, concept: URIRef) -> list[URIRef]:
    """The code lists a concept's description puts it in, sorted."""
    found = {
        s
        for predicate in (SKOS.inScheme, SKOS.topConceptOf)
        for s in graph.objects(concept, predicate)
        if isinstance(s, URIRef) and pages.scheme_iri(pages.local_path(str(s)) or "") == s
    }
    return sorted(found, key=str)


# --------------------------------------------------------------------------------------------
# The built documentation


class DocsRefused(Exception):
    """A ``/docs/`` path that can name no file inside the folder (``..``, NUL, …): 400."""


class DocsMissing(Exception):
    """No such file in the documentation (or one that leads outside it): 404."""


def docs_file(root: Path, path: str) -> Path:
    """The file of ``root`` (``dist/docs``) that the request path ``path`` (``/docs/…``, still
    percent-encoded, without the query) names; a folder's ``index.html``.

    Refused (:class:`DocsRefused`): a path whose decoded form has a ``.`` or ``..`` segment, an
    empty segment (``//``, an absolute path), a backslash, a NUL or another control character,
    or is not UTF-8. Not found (:class:`DocsMissing`): a file that is not there, a hidden
    file, anything that is not a regular file, and a symbolic link that leads out of ``root``.
    """
    raw = path[len("/docs/") :]
    try:
        relative = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise DocsRefused(path) from None
    segments = relative.split("/")
    if segments[-1] == "":
        segments[-1] = "index.html"
    if any(
        s in ("", ".", "..") or "\\" in s or any(ord(c) < 0x20 or ord(c) == 0x7F for c in s)
        for s in segments
    ):
        raise DocsRefused(path)
    if any(s.startswith(".") for s in segments):
        raise DocsMissing(path)
    top = root.resolve()
    candidate = top.joinpath(*segments)
    try:
        found = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise DocsMissing(path) from None
    if not found.is_relative_to(top):
        raise DocsMissing(path)
    if found.is_dir():
        index = found / "index.html"
        if index.is_file() and index.resolve().is_relative_to(top):
            raise IsADirectoryError(path)  # the caller redirects to the path with a slash
        raise DocsMissing(path)
    if not found.is_file():
        raise DocsMissing(path)
    return found


def docs_type(path: Path) -> str:
    """The Content-Type of a documentation file."""
    return DOCS_TYPES.get(path.suffix.lower(), "application/octet-stream")


__all__ = [
    "ACTIVE_SUFFIXES",
    "DOCUMENT_TYPES",
    "KINDS",
    "ONTOLOGY",
    "SHAPES_KIND",
    "SUFFIX_TYPES",
    "DocsMissing",
    "DocsRefused",
    "Document",
    "Kind",
    "concepts",
    "docs_file",
    "docs_type",
    "document_html",
    "scheme_html",
    "scheme_query",
    "schemes_of",
    "siblings_html",
    "terms",
]
