"""JSON-LD: the project's local context, its frames, and compaction and framing that never fetch.

The context (``ontology/context/v1.jsonld``, published as :data:`CONTEXT_IRI`) gives every term
in the data a short English name, coerces dates, years and money, marks object properties
``@type: @id`` and multi-valued ones ``@set``. It is versioned: a published version never
changes; a new term that changes no existing one may be added, anything else is ``v2``.
Instance namespaces (``sgid:``, ``sgv:``, ``wd:``) are declared with ``@prefix: false``, so node
identifiers stay full IRIs in every document; vocabulary IRIs compact to terms or prefixed names.

Every file we write inlines the context, so harvesters need not fetch it. PyLD runs with
:func:`document_loader`, which serves our context IRI from the local file and refuses every
other URL; rdflib gets the context as a dict (:func:`parse_jsonld`), never a URL.

Frames (``ontology/frames/{kind}.jsonld``) give the views for the main kinds. Framing runs with
``@embed @never`` by default (a reference is an IRI string) and ``omitDefault``; a frame embeds
what it names with ``@embed @always`` and ``@explicit``. Two PyLD traps when editing a frame:
an embedded node frame filters (a node matching none of its properties is dropped, so each
lists ``"type": {}``), and ``{}`` under a language-map term (``prefLabel``) expands to "match
none" and drops every node that has the property: name those by prefixed name
(``"skos:prefLabel": {}``). ``tests/test_export.py`` checks that no frame drops anything.

>>> context()["@context"]["member"]
{'@id': 'org:member', '@type': '@id'}
>>> document_loader("https://example.org/context.jsonld")
Traceback (most recent call last):
kg.errors.LoadError: https://example.org/context.jsonld: remote JSON-LD documents are never ...
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyld import jsonld as pyld
from rdflib import Graph, URIRef

from kg import paths
from kg.canonical import Triple, pyld_dataset
from kg.dataset import offline
from kg.errors import KgError, LoadError
from kg.namespaces import XSD, bind_prefixes

CONTEXT_IRI = "https://w3id.org/samarbeidsgrafen/context/v1.jsonld"
"""The canonical IRI of version 1 of the context."""

FRAME_KINDS = ("collaboration", "council", "organization")
"""The framed views, each ``ontology/frames/{kind}.jsonld``."""

_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_KEY_RANK = {"@context": 0, "@id": 1, "id": 1, "@type": 2, "type": 2}

JsonObject = dict[str, Any]


def context_file() -> Path:
    """The local file of :data:`CONTEXT_IRI`."""
    return paths.CONTEXT_DIR / "v1.jsonld"


def frame_file(kind: str) -> Path:
    """The frame file of a view (one of :data:`FRAME_KINDS`)."""
    if kind not in FRAME_KINDS:
        raise LoadError(kind, "no such frame", hint="use one of " + ", ".join(FRAME_KINDS))
    return paths.ONTOLOGY_DIR / "frames" / f"{kind}.jsonld"


def _read_json(path: Path) -> JsonObject:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise LoadError(str(path), "no such file") from None
    except json.JSONDecodeError as exc:
        raise LoadError(str(path), exc.msg, line=exc.lineno, column=exc.colno) from None
    except OSError as exc:
        raise LoadError(str(path), exc.strerror or str(exc)) from None
    if not isinstance(data, dict):
        raise LoadError(str(path), "a JSON-LD context or frame must be a JSON object")
    return data


def context() -> JsonObject:
    """The context document, ``{"@context": {...}}``, read from the local file."""
    return _read_json(context_file())


def frame_document(kind: str) -> JsonObject:
    """The frame of a view, as written in its file (its ``@context`` is :data:`CONTEXT_IRI`)."""
    return _read_json(frame_file(kind))


def document_loader(url: str, options: object = None) -> JsonObject:
    """PyLD's document loader: our context from the local file; every other URL refused.

    >>> document_loader(CONTEXT_IRI)["document"]["@context"]["@version"]
    1.1
    """
    if url == CONTEXT_IRI:
        return {"contextUrl": None, "documentUrl": url, "document": context()}
    raise LoadError(
        url,
        "remote JSON-LD documents are never fetched",
        hint=f"only {CONTEXT_IRI} is known, served from {context_file()}",
    )


def _options(**extra: Any) -> JsonObject:
    return {"documentLoader": document_loader, "processingMode": "json-ld-1.1", **extra}


def _unwrap(exc: BaseException) -> KgError | None:
    """The KgError (a refused URL) that PyLD wrapped in its own errors, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KgError):
            return current
        seen.add(id(current))
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return None


def _pyld(operation: str, function: Any, *args: Any) -> Any:
    """Run a PyLD function; a refused URL surfaces as its LoadError, other errors as one line."""
    try:
        return function(*args)
    except pyld.JsonLdError as exc:
        inner = _unwrap(exc)
        if inner is not None:
            raise inner from None
        message = " ".join(str(exc).split())[:300]
        raise LoadError("<json-ld>", f"{operation} failed: {message}") from None


def localize(document: Any) -> Any:
    """A copy of ``document`` with every reference to :data:`CONTEXT_IRI` replaced by the context.

    >>> localize({"@context": CONTEXT_IRI})["@context"]["@protected"]
    True
    """
    inline = context()["@context"]

    def walk(node: Any, in_context: bool) -> Any:
        if in_context and node == CONTEXT_IRI:
            return copy.deepcopy(inline)
        if isinstance(node, list):
            return [walk(item, in_context) for item in node]
        if isinstance(node, dict):
            return {k: walk(v, in_context or k == "@context") for k, v in node.items()}
        return node

    return walk(document, False)


# --------------------------------------------------------------------------------------------
# RDF → JSON-LD


def _native(node: Any) -> Any:
    """Booleans and canonical integers as JSON values; other literals keep their lexical form.

    JSON-LD turns them back into the same RDF literals; doubles stay strings, because JSON
    numbers would change their lexical form.
    """
    if isinstance(node, list):
        return [_native(item) for item in node]
    if not isinstance(node, dict):
        return node
    value, datatype = node.get("@value"), node.get("@type")
    if isinstance(value, str) and len(node) == 2:
        if datatype == str(XSD.boolean) and value in ("true", "false"):
            return {"@value": value == "true"}
        if datatype == str(XSD.integer) and _CANONICAL_INTEGER.fullmatch(value):
            return {"@value": int(value)}
    return {k: _native(v) for k, v in node.items()}


def expand(triples: Iterable[Triple]) -> list[JsonObject]:
    """Expanded JSON-LD of ``triples``: nodes sorted by ``@id``, values in input order."""
    dataset = pyld_dataset((s, p, o, None) for s, p, o in triples)
    expanded = _pyld("from RDF", pyld.from_rdf, dataset, _options(useNativeTypes=False))
    result: list[JsonObject] = _native(expanded)
    return result


def _tidy(node: Any, in_context: bool = False) -> Any:
    """Key order fixed (``@context``, ``id``, ``type``, then sorted), the inline context as written.

    A value object's datatype is written ``@type``, not the ``type`` alias: rdflib 7's JSON-LD
    parser ignores the alias inside value objects and would drop the datatype.
    """
    if in_context:
        return node
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "@value" in node and "type" in node:
        node = {("@type" if k == "type" else k): v for k, v in node.items()}
    keys = sorted(node, key=lambda k: (_KEY_RANK.get(k, 3), k))
    return {k: _tidy(node[k], in_context=k == "@context") for k in keys}


def compact(expanded: list[JsonObject]) -> JsonObject:
    """Compact JSON-LD with the context inlined: one ``@graph`` of nodes, sorted by ``id``."""
    inline = context()
    result = _pyld("compaction", pyld.compact, copy.deepcopy(expanded), inline, _options())
    result["@context"] = inline["@context"]
    if "@graph" not in result:  # a single node comes back without @graph
        node = {k: v for k, v in result.items() if k != "@context"}
        result = {"@context": inline["@context"], "@graph": [node] if node else []}
    tidy: JsonObject = _tidy(result)
    return tidy


def frame(expanded: list[JsonObject], kind: str) -> JsonObject:
    """The framed view ``kind`` of the expanded data, with the context inlined."""
    inline = context()["@context"]
    frame_doc = localize(frame_document(kind))
    options = _options(embed="@never", omitDefault=True, omitGraph=False)
    result = _pyld(f"framing ({kind})", pyld.frame, copy.deepcopy(expanded), frame_doc, options)
    result["@context"] = inline
    tidy: JsonObject = _tidy(result)
    return tidy


def dumps(document: JsonObject) -> bytes:
    """The bytes of a JSON-LD document: UTF-8, two-space indent, a final newline.

    An inline context is written one term per line, as in the context file.

    >>> print(dumps({"@context": {"id": "@id"}, "id": "urn:example:x"}).decode(), end="")
    {
      "@context": {
        "id": "@id"
      },
      "id": "urn:example:x"
    }
    """
    inline = document.get("@context")
    if not isinstance(inline, dict):
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    terms = ",\n".join(
        f"    {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in inline.items()
    )
    head = '{\n  "@context": {\n' + terms + "\n  }"
    rest = {k: v for k, v in document.items() if k != "@context"}
    if not rest:
        return (head + "\n}\n").encode("utf-8")
    body = json.dumps(rest, ensure_ascii=False, indent=2)
    return (head + ",\n" + body[2:] + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# JSON-LD → RDF


def to_nquads(document: Any) -> str:
    """N-Quads of a JSON-LD document, by PyLD, with the local loader (for round-trip checks).

    >>> doc = {"@context": CONTEXT_IRI, "id": "urn:example:x", "prefLabel": {"nb": "x"}}
    >>> print(to_nquads(doc), end="")
    <urn:example:x> <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@nb .
    """
    result: str = _pyld("to RDF", pyld.to_rdf, document, _options(format="application/n-quads"))
    return result


def _remote_contexts(node: Any, in_context: bool = False) -> list[str]:
    """The context URLs a document still refers to."""
    if in_context and isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [url for item in node for url in _remote_contexts(item, in_context)]
    if isinstance(node, dict) and not in_context:
        return [url for k, v in node.items() for url in _remote_contexts(v, k == "@context")]
    return []


def parse_jsonld(data: bytes | str | JsonObject, graph: Graph | None = None) -> Graph:
    """Parse one of our JSON-LD documents with rdflib, the context given as a dict.

    A ``@context`` naming :data:`CONTEXT_IRI` is replaced by the local file first, and parsing
    runs :func:`kg.dataset.offline`, so nothing is fetched.
    """
    document = json.loads(data) if isinstance(data, bytes | str) else data
    document = localize(document)
    for url in _remote_contexts(document):
        document_loader(url)  # refuses: only our own context is known, and it is inlined now
    inline = document.pop("@context", None) if isinstance(document, dict) else None
    target = graph if graph is not None else bind_prefixes(Graph(bind_namespaces="none"))
    with offline():
        target.parse(
            data=json.dumps(document),
            format="json-ld",
            context=inline if inline is not None else context()["@context"],
        )
    return target


def _term_table() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """From the context: IRI → shortest forward term, and (prefix, namespace) usable in names."""
    definitions = context()["@context"]
    prefixes: list[tuple[str, str]] = []
    for key, value in definitions.items():
        if key.startswith("@"):
            continue
        if isinstance(value, str) and value[-1:] in ("/", "#"):
            prefixes.append((key, value))
        elif isinstance(value, dict) and value.get("@prefix") is True and "@id" in value:
            prefixes.append((key, value["@id"]))
    namespaces = dict(prefixes)

    def expand_name(name: str) -> str:
        prefix, _, local = name.partition(":")
        return namespaces[prefix] + local if prefix in namespaces and local else name

    terms: dict[str, str] = {}
    for key, value in definitions.items():
        iri = (
            value
            if isinstance(value, str)
            else value.get("@id")
            if isinstance(value, dict)
            else None
        )
        if key.startswith("@") or not isinstance(iri, str) or iri.startswith("@"):
            continue
        if (key, iri) in prefixes:
            continue
        full = expand_name(iri)
        if full not in terms or len(key) < len(terms[full]):
            terms[full] = key
    return terms, sorted(prefixes, key=lambda kv: (-len(kv[1]), kv[0]))


def compact_iri(iri: str) -> str:
    """What a property is called in our JSON-LD: a term, else a prefixed name, else the IRI.

    (A term typed ``xsd:date`` is used only for values of that type; this gives the name.)

    >>> from kg.namespaces import SKOS, VANN
    >>> compact_iri(SKOS.prefLabel), compact_iri(VANN.preferredNamespaceUri)
    ('prefLabel', 'vann:preferredNamespaceUri')
    >>> compact_iri("http://example.org/unknown")
    'http://example.org/unknown'
    """
    terms, prefixes = _term_table()
    if str(iri) in terms:
        return terms[str(iri)]
    for prefix, namespace in prefixes:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return str(iri)


def predicates_without_term(predicates: Iterable[URIRef]) -> list[URIRef]:
    """The predicates with no short term: they compact to a prefixed name or stay full IRIs.

    >>> from kg.namespaces import ORG, VANN
    >>> predicates_without_term([ORG.member, VANN.preferredNamespacePrefix])
    [rdflib.term.URIRef('http://purl.org/vocab/vann/preferredNamespacePrefix')]
    """
    return [p for p in sorted(set(predicates)) if ":" in compact_iri(p)]


__all__ = [
    "CONTEXT_IRI",
    "FRAME_KINDS",
    "compact",
    "compact_iri",
    "context",
    "context_file",
    "document_loader",
    "dumps",
    "expand",
    "frame",
    "frame_document",
    "frame_file",
    "localize",
    "parse_jsonld",
    "predicates_without_term",
    "to_nquads",
]
