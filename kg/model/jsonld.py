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

Two ways write the same bytes. :func:`pyld_compact` and :func:`pyld_frame` (also named
:func:`compact` and :func:`frame`) run PyLD on the expanded union: the reference, but framing
grows with the square of the data. :class:`JsonLdWriter` reads the union's sorted N-Triples
lines once and writes the compact document and every view in linear time, for the JSON-LD
features our context and frames use (it refuses others by name);
``tests/test_jsonld_linear.py`` proves the bytes equal and ``bench/jsonld_scaling.py``
measures both.

>>> context()["@context"]["member"]
{'@id': 'org:member', '@type': '@id'}
>>> document_loader("https://example.org/context.jsonld")
Traceback (most recent call last):
kg.errors.LoadError: https://example.org/context.jsonld: remote JSON-LD documents are never ...
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from pyld import jsonld as pyld
from rdflib import Graph, URIRef

from kg.errors import KgError, LoadError, OutputError
from kg.model import paths
from kg.model.canonical import Triple, pyld_dataset
from kg.model.dataset import offline
from kg.model.namespaces import XSD, bind_prefixes

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


def pyld_compact(expanded: list[JsonObject]) -> JsonObject:
    """Compact JSON-LD with the context inlined: one ``@graph`` of nodes, sorted by ``id``.

    The reference path, by PyLD: :class:`JsonLdWriter` gives the same document in linear time.
    """
    inline = context()
    result = _pyld("compaction", pyld.compact, copy.deepcopy(expanded), inline, _options())
    result["@context"] = inline["@context"]
    if "@graph" not in result:  # a single node comes back without @graph
        node = {k: v for k, v in result.items() if k != "@context"}
        result = {"@context": inline["@context"], "@graph": [node] if node else []}
    tidy: JsonObject = _tidy(result)
    return tidy


def pyld_frame(expanded: list[JsonObject], kind: str) -> JsonObject:
    """The framed view ``kind`` of the expanded data, with the context inlined.

    The reference path, by PyLD (its cost grows with the square of the data):
    :meth:`JsonLdWriter.frame` gives the same document in linear time.
    """
    inline = context()["@context"]
    frame_doc = localize(frame_document(kind))
    options = _options(embed="@never", omitDefault=True, omitGraph=False)
    result = _pyld(f"framing ({kind})", pyld.frame, copy.deepcopy(expanded), frame_doc, options)
    result["@context"] = inline
    tidy: JsonObject = _tidy(result)
    return tidy


compact = pyld_compact
"""Alias of :func:`pyld_compact` (the name other modules use)."""

frame = pyld_frame
"""Alias of :func:`pyld_frame` (the name other modules use)."""


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
    runs :func:`kg.model.dataset.offline`, so nothing is fetched.
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

    >>> from kg.model.namespaces import SKOS, VANN
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

    >>> from kg.model.namespaces import ORG, VANN
    >>> predicates_without_term([ORG.member, VANN.preferredNamespacePrefix])
    [rdflib.term.URIRef('http://purl.org/vocab/vann/preferredNamespacePrefix')]
    """
    return [p for p in sorted(set(predicates)) if ":" in compact_iri(p)]


# --------------------------------------------------------------------------------------------
# The linear writer: sorted N-Triples lines → the compact document and the framed views
#
# PyLD re-expands its input, rebuilds a node map per call, scans every subject for each
# ``@reverse`` frame entry and compares whole embedded subtrees while cleaning up, so the
# framed views grow with the square of the data. The writer below reads the lines once into a
# node table shared by every view, and computes exactly what PyLD computes for our context and
# our frames, node by node: term selection follows PyLD's inverse context, framing follows
# PyLD's ``_match_frame`` (quirks included: see :class:`_Framer`), and the text is what
# :func:`dumps` writes. ``tests/test_jsonld_linear.py`` checks the bytes against the PyLD path.
# A context or frame feature outside that subset is refused with an error that names it.

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"
_RDF_FIRST = _RDF + "first"
_RDF_REST = _RDF + "rest"
_RDF_NIL = _RDF + "nil"
_RDF_LIST = _RDF + "List"
_RDF_JSON = _RDF + "JSON"
_XSD_STRING = str(XSD.string)
_XSD_BOOLEAN = str(XSD.boolean)
_XSD_INTEGER = str(XSD.integer)

_encode: Any = json.encoder.encode_basestring
"""The JSON string encoder ``json.dumps(..., ensure_ascii=False)`` uses (C when available)."""

_NT_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.)|$)", re.S)
_NT_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_NT_LINE = re.compile(
    r"[ \t]*(<[^>]*>|_:\S*[^\s.])[ \t]+(<[^>]*>)[ \t]+"
    r'(<[^>]*>|_:\S*[^\s.]|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)'
    r"[ \t]*\.[ \t]*(?:#.*)?",
    re.S,
)
_NT_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.S)
_LANGUAGE_TAG = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_GEN_DELIM_END = re.compile(r".*[:/?#\[\]@]$", re.S)

_NO_ID = object()
"""Marks a framed node whose blank node identifier is pruned (it occurs once in the view)."""


class _RdfList(list[Any]):
    """An RDF collection folded into one value, written ``{"@list": [...]}``."""

    __slots__ = ()


class _NtError(Exception):
    """A malformed N-Triples line (turned into a LoadError naming the line)."""


def _nt_unescape(text: str) -> str:
    r"""The characters that an N-Triples string or IRI body stands for.

    >>> _nt_unescape(r'say \"hei\"\tto \u00D8yer \U0001F600\\n')
    'say "hei"\tto Øyer 😀\\n'
    """

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            try:
                return chr(int(code, 16))
            except (ValueError, OverflowError):
                raise _NtError(f"escape \\U{code} is not a character") from None
        char = match.group(3)
        if char is not None and char in _NT_ECHAR:
            return _NT_ECHAR[char]
        raise _NtError(f"unknown escape sequence \\{char or ''}")

    return _NT_ESCAPE.sub(replace, text)


def _nt_iri(token: str) -> str:
    """The IRI of an ``<…>`` token."""
    iri = token[1:-1]
    if "\\" in iri:
        iri = _nt_unescape(iri)
    return iri


def _nt_string(lexical: str) -> str:
    """The characters of a quoted string's body (checked: no bare quote or backslash)."""
    if ('"' in lexical or lexical.endswith("\\")) and not _NT_STRING_BODY.fullmatch(lexical):
        raise _NtError("a quote or backslash inside a literal must be escaped")
    return _nt_unescape(lexical) if "\\" in lexical else lexical


def _nt_suffix(suffix: str) -> Any:
    """What a literal's ``@language`` or ``^^<datatype>`` makes of its lexical form.

    The writer's literal is ``(value, language, datatype)``: ``value`` is the lexical form,
    or a bool or int for canonical ``xsd:boolean`` and ``xsd:integer`` (as :func:`_native`
    does); ``language`` is lower case (as JSON-LD expansion makes it); ``datatype`` is None
    for plain, language-tagged and native literals.

    >>> _nt_suffix("^^<http://www.w3.org/2001/XMLSchema#integer>")("7")
    (7, None, None)
    >>> _nt_suffix("^^<http://www.w3.org/2001/XMLSchema#integer>")("007")
    ('007', None, 'http://www.w3.org/2001/XMLSchema#integer')
    >>> _nt_suffix("@NB")("Øyer")
    ('Øyer', 'nb', None)
    """
    if suffix[0] == "@":
        if not _LANGUAGE_TAG.fullmatch(suffix[1:]):
            raise _NtError(f"{suffix[1:]!r} is not a language tag")
        language = suffix[1:].lower()
        return lambda lexical: (lexical, language, None)
    if not (suffix.startswith("^^<") and suffix.endswith(">")):
        raise _NtError("a literal ends with @language, ^^<datatype> or nothing")
    datatype = _nt_iri(suffix[2:])
    if datatype == _XSD_STRING:
        return lambda lexical: (lexical, None, None)
    if datatype == _XSD_BOOLEAN:
        return lambda lexical: (
            (lexical == "true", None, None)
            if lexical in ("true", "false")
            else (lexical, None, datatype)
        )
    if datatype == _XSD_INTEGER:
        return lambda lexical: (
            (int(lexical), None, None)
            if _CANONICAL_INTEGER.fullmatch(lexical)
            else (lexical, None, datatype)
        )
    if datatype == _RDF_JSON:
        raise _NtError("rdf:JSON literals are not supported by the JSON-LD writer")
    return lambda lexical: (lexical, None, datatype)


def _scalar(value: Any) -> str:
    """The JSON text of a string, bool or int, as ``json.dumps`` writes it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return str(_encode(value))


def _shown(feature: str, value: Any = _NO_ID) -> str:
    """A feature in an error message, as JSON: ``"@embed"`` or ``"@embed": "@once"``."""
    shown = json.dumps(feature, ensure_ascii=False)
    if value is not _NO_ID:
        shown += ": " + json.dumps(value, ensure_ascii=False)
    return shown


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _array_text(items: list[str]) -> str:
    """A JSON array of already written items, at depth 0 (``json.dumps(..., indent=2)``)."""
    if not items:
        return "[]"
    return "[\n  " + ",\n  ".join([_indent(i) if "\n" in i else i for i in items]) + "\n]"


def _object_text(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from (key, written value) pairs in order, at depth 0."""
    if not pairs:
        return "{}"
    return (
        "{\n  "
        + ",\n  ".join([_encode(k) + ": " + (_indent(v) if "\n" in v else v) for k, v in pairs])
        + "\n}"
    )


class _Term:
    """One term definition of the context, as JSON-LD 1.1 context processing makes it."""

    __slots__ = ("name", "iri", "reverse", "type", "container", "prefix")

    def __init__(
        self,
        name: str,
        iri: str,
        reverse: bool = False,
        type_: str | None = None,
        container: tuple[str, ...] = (),
        prefix: bool = False,
    ) -> None:
        self.name = name
        self.iri = iri
        self.reverse = reverse
        self.type = type_
        self.container = container
        self.prefix = prefix

    def __repr__(self) -> str:
        return (
            f"_Term({self.name!r}, {self.iri!r}, reverse={self.reverse}, type={self.type!r}, "
            f"container={self.container!r}, prefix={self.prefix})"
        )


# Term selection (PyLD's _compact_iri and _select_term) by the kind of value: the containers
# to try in order, whether the type or the language map decides, and the preferred keys.
_NODE_CONTAINERS = ("@id", "@id@set", "@type", "@set@type", "@set", "@none", "@index", "@index@set")
_LIST_CONTAINERS = (
    "@id",
    "@id@set",
    "@type",
    "@set@type",
    "@list",
    "@none",
    "@index",
    "@index@set",
)
_PLAIN_CONTAINERS = ("@set", "@none", "@index", "@index@set", "@language", "@language@set")
_LANG_CONTAINERS = ("@language", "@language@set", "@set", "@none", "@index", "@index@set")
_TYPED_CONTAINERS = ("@set", "@none", "@index", "@index@set")
_KIND_NODE, _KIND_PLAIN, _KIND_REVERSE, _KIND_REVERSE_NO_ID, _KIND_REVERSE_EMPTY = 0, 1, 2, 3, 4


def _with_direction(prefs: list[str]) -> list[str]:
    """PyLD adds ``_dir`` after a preference holding an underscore (language_direction)."""
    marked = [p for p in prefs if "_" in p]
    if marked:
        prefs.append("_" + marked[0].split("_")[-1])
    return prefs


class _Context:
    """Our context, processed once: term definitions, PyLD's inverse context, IRI compaction.

    Supports what ``ontology/context/v1.jsonld`` uses (terms with ``@id`` or ``@reverse``,
    ``@type`` ``@id`` or a datatype, ``@container`` ``@set`` and ``@language``, ``@prefix``,
    ``@protected``, keyword aliases of ``@id`` and ``@type``); anything else is refused.
    """

    def __init__(self, document: JsonObject, source: str) -> None:
        self.source = source
        definitions = document.get("@context")
        if not isinstance(definitions, dict):
            self._unsupported("@context", "the context must be one JSON object")
        self.document: JsonObject = definitions
        self.terms: dict[str, _Term] = {}
        self._defining: set[str] = set()
        for key, value in definitions.items():
            if key == "@version":
                if value != 1.1:
                    self._unsupported("@version", "only JSON-LD 1.1 is supported")
            elif key == "@protected":
                if not isinstance(value, bool):
                    self._unsupported("@protected", "it must be true or false")
            elif key.startswith("@"):
                self._unsupported(key)
            else:
                self._define(key)
        self.inverse = self._inverse()
        # Compact IRIs come from prefix terms only (terms with a colon, which PyLD may also
        # use, are refused above); they are grouped by the start of their IRI for lookups.
        prefixes = [t for t in self.terms.values() if t.prefix]
        self._start = min((len(t.iri) for t in prefixes), default=0)
        self._by_start: dict[str, list[_Term]] = {}
        for term in prefixes:
            self._by_start.setdefault(term.iri[: self._start], []).append(term)
        self._prefix_names = {t.name for t in prefixes}
        self._vocab_cache: dict[str, str] = {}
        self.id_cache: dict[str, str] = {}
        self._select_cache: dict[str, dict[Any, tuple[str, _Term | None]]] = {}
        self._render_cache: dict[str, dict[Any, _Render]] = {}
        self.aliases = {k: self.compact_iri(k, vocab=True) for k in ("@id", "@type", "@value")}
        for keyword in ("@language", "@list", "@none", "@graph", "@reverse"):
            self.aliases[keyword] = self.compact_iri(keyword, vocab=True)
        if self.aliases != {
            "@id": "id",
            "@type": "type",
            "@value": "@value",
            "@language": "@language",
            "@list": "@list",
            "@none": "@none",
            "@graph": "@graph",
            "@reverse": "@reverse",
        }:
            self._unsupported("keyword aliases", "only id for @id and type for @type")
        self.head = dumps({"@context": definitions}).decode("utf-8")[:-3]
        """The document's start, up to the context's closing brace (as :func:`dumps` writes)."""
        type_term = self.terms["type"]
        if type_term.container != ("@set",):
            self._unsupported("type", "the alias of @type must be a @set")

    def _unsupported(self, feature: str, detail: str = "", value: Any = _NO_ID) -> NoReturn:
        raise LoadError(
            self.source,
            f"context feature {_shown(feature, value)} is not supported by the linear JSON-LD "
            "writer" + (f" ({detail})" if detail else ""),
            hint="use kg.model.jsonld.pyld_compact and pyld_frame, or extend JsonLdWriter",
        )

    # -- context processing (the subset of JSON-LD 1.1 "create term definition" we need)

    def _expand(self, value: str) -> str:
        """IRI expansion with ``vocab`` while the context is processed."""
        if value.startswith("@"):
            if value in ("@id", "@type"):
                return value
            self._unsupported(value, "only @id and @type may be aliased")
        if value in self.document:
            return self._define(value).iri
        prefix, colon, suffix = value.partition(":")
        if colon:
            if prefix == "_" or suffix.startswith("//"):
                return value
            if prefix in self.document:
                defined = self._define(prefix)
                if defined.prefix:
                    return defined.iri + suffix
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S*", value):
                return value
        self._unsupported(value, "a term must expand to an absolute IRI")

    def _define(self, name: str) -> _Term:
        if name in self.terms:
            return self.terms[name]
        if name in self._defining:
            self._unsupported(name, "cyclic term definition")
        self._defining.add(name)
        value = self.document[name]
        simple = isinstance(value, str)
        definition: JsonObject = {"@id": value} if simple else value
        if not isinstance(definition, dict):
            self._unsupported(name, "a term is a string or an object")
        extra = set(definition) - {
            "@id",
            "@reverse",
            "@type",
            "@container",
            "@prefix",
            "@protected",
        }
        if extra:
            self._unsupported(sorted(extra)[0], f"in the definition of {name!r}")
        if ":" in name or "/" in name:
            self._unsupported(name, "terms that look like IRIs")
        reverse = "@reverse" in definition
        raw = definition.get("@reverse" if reverse else "@id")
        if not isinstance(raw, str) or (reverse and "@id" in definition):
            self._unsupported(name, "a term needs one @id or @reverse string")
        iri = self._expand(raw)
        prefix = bool(simple and (iri.startswith("_:") or _GEN_DELIM_END.match(iri)))
        if "@prefix" in definition:
            if not isinstance(definition["@prefix"], bool):
                self._unsupported("@prefix", "it must be true or false")
            prefix = definition["@prefix"]
        type_ = definition.get("@type")
        if type_ is not None:
            if not isinstance(type_, str) or type_ in ("@vocab", "@none", "@json"):
                self._unsupported("@type", f"in the definition of {name!r}", type_)
            if type_ != "@id":
                type_ = self._expand(type_)
        container = definition.get("@container", [])
        containers = [container] if isinstance(container, str) else container
        if not isinstance(containers, list) or not set(containers) <= {"@set", "@language"}:
            self._unsupported("@container", f"in the definition of {name!r}", container)
        if reverse and "@language" in containers:
            self._unsupported(name, "a reverse term with a language map")
        if iri.startswith("@") and (type_ is not None or prefix):
            self._unsupported(name, "a keyword alias with @type or @prefix")
        term = _Term(name, iri, reverse, type_, tuple(sorted(containers)), prefix)
        self.terms[name] = term
        self._defining.discard(name)
        return term

    def _inverse(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        """PyLD's inverse context: IRI → container → @language/@type/@any → key → term."""
        inverse: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for name in sorted(self.terms, key=lambda t: (len(t), t)):
            term = self.terms[name]
            container = "".join(term.container) or "@none"
            entry = inverse.setdefault(term.iri, {}).setdefault(
                container, {"@language": {}, "@type": {}, "@any": {}}
            )
            entry["@any"].setdefault("@none", name)
            if term.reverse:
                entry["@type"].setdefault("@reverse", name)
            elif term.type is not None:
                entry["@type"].setdefault(term.type, name)
            else:
                entry["@language"].setdefault("@none", name)  # the default language: none
                entry["@type"].setdefault("@none", name)
                entry["@language"].setdefault("@none", name)
        return inverse

    # -- compaction of IRIs (PyLD's _compact_iri)

    def _select_term(
        self, iri: str, containers: tuple[str, ...], by: str, prefs: list[str]
    ) -> str | None:
        entry = self.inverse.get(iri)
        if entry is None:
            return None
        for container in containers:
            found = entry.get(container)
            if found is None:
                continue
            options = found[by]
            for pref in prefs:
                if pref in options:
                    return options[pref]
        return None

    def _curie(self, iri: str) -> str | None:
        """The shortest usable compact IRI, as PyLD chooses it, or None."""
        candidate: str | None = None
        for term in self._by_start.get(iri[: self._start], ()):
            if term.iri == iri or not iri.startswith(term.iri):
                continue
            curie = term.name + ":" + iri[len(term.iri) :]
            if curie in self.terms:  # cannot be: terms hold no colon
                continue
            if candidate is None or (len(curie), curie) < (len(candidate), candidate):
                candidate = curie
        return candidate

    def _checked(self, iri: str) -> str:
        """``iri`` as itself, unless it would read as a compact IRI (PyLD refuses those)."""
        head = iri.partition(":")[0]
        if head in self._prefix_names:
            raise OutputError(
                f"cannot write <{iri}> in JSON-LD: it would read as a compact IRI with the "
                f"prefix {head!r} of the context"
            )
        return iri

    def compact_iri(self, iri: str, vocab: bool) -> str:
        """An IRI (or keyword) with no value: a node identifier, a type, a datatype."""
        if iri.startswith("@"):
            alias = self.inverse.get(iri, {}).get("@none", {}).get("@type", {}).get("@none")
            if alias:
                return alias
            vocab = True
        if vocab:
            term = self._select_term(iri, ("@set", "@none"), "@type", ["@id", "@none"])
            if term is not None:
                return term
        curie = self._curie(iri)
        if curie is not None:
            return curie
        return self._checked(iri)

    def vocab(self, iri: str) -> str:
        """A type or datatype IRI compacted (cached)."""
        found = self._vocab_cache.get(iri)
        if found is None:
            found = self._vocab_cache[iri] = self.compact_iri(iri, vocab=True)
        return found

    def id_text(self, iri: str) -> str:
        """The JSON text of a node identifier compacted (cached in :attr:`id_cache`)."""
        found = self.id_cache.get(iri)
        if found is None:
            found = self.id_cache[iri] = _encode(self.compact_iri(iri, vocab=False))
        return found

    def render(self, iri: str, kind: Any) -> _Render:
        """How values of ``kind`` (see :meth:`select`) of property ``iri`` are written (cached)."""
        renders = self._render_cache.get(iri)
        if renders is None:
            renders = self._render_cache[iri] = {}
        found = renders.get(kind)
        if found is None:
            key, term = self.select(iri, kind)
            found = renders[kind] = _Render(key, term)
        return found

    def select(self, iri: str, kind: Any) -> tuple[str, _Term | None]:
        """The key of a property for one kind of value, and its term definition if any.

        ``kind`` is one of the ``_KIND_*`` numbers, a language tag, a datatype IRI, or a
        ``("@list", by, preference)`` triple.
        """
        cache = self._select_cache.get(iri)
        if cache is None:
            cache = self._select_cache[iri] = {}
        found = cache.get(kind)
        if found is not None:
            return found
        if kind == _KIND_NODE:
            term = self._select_term(iri, _NODE_CONTAINERS, "@type", ["@id", "@none"])
        elif kind == _KIND_PLAIN:
            term = self._select_term(iri, _PLAIN_CONTAINERS, "@language", ["@null", "@none"])
        elif kind == _KIND_REVERSE:
            prefs = ["@reverse", "@id", "@none"]
            term = self._select_term(iri, _NODE_CONTAINERS, "@type", prefs)
        elif kind == _KIND_REVERSE_NO_ID:
            term = self._select_term(iri, _NODE_CONTAINERS, "@type", ["@reverse", "@none"])
        elif kind == _KIND_REVERSE_EMPTY:
            term = self._select_term(iri, ("@set", "@none"), "@type", ["@reverse", "@none"])
        elif isinstance(kind, tuple):
            _, by, pref = kind
            term = self._select_term(iri, _LIST_CONTAINERS, by, _with_direction([pref, "@none"]))
        elif ":" in kind:  # a datatype IRI
            prefs = _with_direction([kind, "@none"])
            term = self._select_term(iri, _TYPED_CONTAINERS, "@type", prefs)
        else:  # a language tag
            prefs = _with_direction([kind, "@none"])
            term = self._select_term(iri, _LANG_CONTAINERS, "@language", prefs)
        key = term if term is not None else (self._curie(iri) or self._checked(iri))
        found = cache[kind] = (key, self.terms.get(key))
        return found


# How a key holds its values (PyLD's add_value with or without propertyIsArray, or a map).
_ONE, _SET, _MAP, _MAP_SET = 0, 1, 2, 3


class _Render:
    """How one kind of value of one property is written: its key and how the key holds it.

    ``ref_plain``: references are plain strings (the term is ``@type: @id``); ``type``: the
    term's datatype (literals of it are plain strings); ``map``: a language map.
    """

    __slots__ = ("key", "key_text", "mode", "ref_plain", "type", "term", "map")

    def __init__(self, key: str, term: _Term | None) -> None:
        container = term.container if term is not None else ()
        self.key = key
        self.key_text = _encode(key) + ": "
        self.term = term
        self.map = "@language" in container
        if self.map:
            self.mode = _MAP_SET if "@set" in container else _MAP
        else:
            self.mode = _SET if "@set" in container else _ONE
        self.ref_plain = term is not None and term.type == "@id"
        self.type = term.type if term is not None else None


def _node_text(head: str, pairs: list[tuple[str, str]]) -> str:
    """A node object (depth 0): ``head`` (its id and type entries) and the (key, line) pairs.

    Each line is ``"key": value`` as written one level deep in the node.
    """
    if not pairs:
        return head + "\n}" if head != "{" else "{}"
    pairs.sort()  # property keys are unique, and none is "id" or "type"
    if head == "{":
        return "{\n  " + ",\n  ".join([line for _, line in pairs]) + "\n}"
    return head + ",\n  " + ",\n  ".join([line for _, line in pairs]) + "\n}"


def _line(render: _Render, text: str) -> tuple[str, str]:
    """The (key, line) pair of a key's written values (``text`` at depth 0)."""
    return (render.key, render.key_text + (text.replace("\n", "\n  ") if text[0] in "[{" else text))


def _single_line(render: _Render, text: str, language: str | None) -> tuple[str, str]:
    """The (key, line) pair of a key holding one value: as it is, in an array, or in a map."""
    mode = render.mode
    deep = text[0] in "[{"  # a multi-line value
    if mode == _ONE:
        return (render.key, render.key_text + (text.replace("\n", "\n  ") if deep else text))
    if mode == _SET:
        inner = text.replace("\n", "\n    ") if deep else text
        return (render.key, render.key_text + "[\n    " + inner + "\n  ]")
    entry = _encode(language or "@none") + ": "
    if mode == _MAP:
        inner = text.replace("\n", "\n    ") if deep else text
        return (render.key, render.key_text + "{\n    " + entry + inner + "\n  }")
    inner = text.replace("\n", "\n      ") if deep else text
    return (render.key, render.key_text + "{\n    " + entry + "[\n      " + inner + "\n    ]\n  }")


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while large acyclic structures are built.

    Its collections rescan every container built so far, and nothing built here has cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _group_text(render: _Render, items: Any) -> str:
    """The text of a key's values (depth 0): one value, an array, or a language map."""
    mode = render.mode
    if mode == _ONE:
        return items[0] if len(items) == 1 else _array_text(items)
    if mode == _SET:
        return _array_text(items)
    entries = [
        (lang, texts[0] if mode == _MAP and len(texts) == 1 else _array_text(texts))
        for lang, texts in sorted(items.items(), key=_entry_order)
    ]
    return _object_text(entries)


def _entry_order(entry: tuple[str, Any]) -> tuple[int, str]:
    """:func:`_tidy`'s key order, in a language map too: a tag ``id`` sorts first."""
    return (_KEY_RANK.get(entry[0], 3), entry[0])


class _Spec:
    """One node frame of a frame file, expanded (PyLD's expanded frame, as a class).

    ``types`` is None (no ``type`` entry), ``()`` (must have none), ``_ANY`` (``{}``: must have
    one) or the type IRIs; ``props`` maps a property IRI to its sub-frame, None for "match
    none" (what ``{}`` under a language-map term expands to); ``reverse`` likewise for
    ``@reverse`` terms. ``embed`` and ``explicit`` are the frame's own flags, or the defaults.
    """

    __slots__ = (
        "embed",
        "explicit",
        "types",
        "props",
        "reverse",
        "takes_values",
        "accepts_all",
        "plain",
        "has_none",
        "any_type",
        "_implicit",
    )

    def __init__(
        self,
        embed: str | None = None,
        explicit: bool | None = None,
        types: Any = None,
        props: dict[str, _Spec | None] | None = None,
        reverse: dict[str, _Spec] | None = None,
    ) -> None:
        self.embed = embed
        self.explicit = explicit
        self.types = types
        self.props: dict[str, _Spec | None] = dict(sorted((props or {}).items()))
        self.reverse: dict[str, _Spec] = dict(sorted((reverse or {}).items()))
        # PyLD's _value_match: a sub-frame with a non-empty @type matches no literal
        self.takes_values = not types
        self.accepts_all = types is None and not self.props  # PyLD's wildcard
        self.has_none = any(sub is None for sub in self.props.values())
        self.any_type = types is _ANY and not self.has_none  # a type is enough to match
        # references under it are references, literals pass: written as in the compact view
        self.plain = self.never and self.accepts_all and self.takes_values
        self._implicit: _Spec | None = None

    @property
    def never(self) -> bool:
        return (self.embed or "@never") == "@never"

    def implicit(self) -> _Spec:
        """The frame PyLD makes for properties this frame does not name: its own flags."""
        if self._implicit is None:
            self._implicit = _Spec(self.embed or "@never", bool(self.explicit))
        return self._implicit

    def accepts(self, node: dict[str, list[Any]]) -> bool:
        """PyLD's _filter_subject (no @id, no @default, requireAll off)."""
        wildcard, some = True, False
        if self.types is not None:
            wildcard = False
            types = node.get("@type") or ()
            if self.types == ():
                if types:
                    return False
                some = True
            elif self.types is _ANY:
                some = bool(types)
            else:
                return any(t in types for t in self.types)
            if some and not self.has_none:
                return True  # matched, and no entry can reject it
        for iri, sub in self.props.items():
            wildcard = False
            if sub is None:
                if node.get(iri):
                    return False
                some = True
            elif not some:
                some = bool(node.get(iri))
        return wildcard or some

    def expanded(self) -> JsonObject:
        """This frame as PyLD expands it (for the tests that compare the two)."""
        result: JsonObject = {}
        if self.embed is not None:
            result["@embed"] = [self.embed]
        if self.explicit is not None:
            result["@explicit"] = [self.explicit]
        if self.types is not None:
            result["@type"] = [{}] if self.types is _ANY else list(self.types)
        for iri, sub in self.props.items():
            result[iri] = [] if sub is None else [sub.expanded()]
        if self.reverse:
            result["@reverse"] = {iri: [sub.expanded()] for iri, sub in self.reverse.items()}
        return result


_ANY = ("@any",)
"""``"type": {}`` in a frame: any type, but one."""


def _parse_frame(document: JsonObject, ctx: _Context, source: str) -> _Spec:
    """A frame file as a :class:`_Spec`, refusing every feature our frames do not use."""

    def unsupported(feature: str, detail: str = "", value: Any = _NO_ID) -> NoReturn:
        raise LoadError(
            source,
            f"frame feature {_shown(feature, value)} is not supported by the linear JSON-LD "
            "writer" + (f" ({detail})" if detail else ""),
            hint="use kg.model.jsonld.pyld_frame, or extend JsonLdWriter",
        )

    def type_iri(name: Any) -> str:
        if not isinstance(name, str):
            unsupported("type", "", name)
        term = ctx.terms.get(name)
        if term is not None and not term.reverse and not term.iri.startswith("@"):
            return term.iri
        prefix, colon, suffix = name.partition(":")
        if colon and prefix in ctx.terms and ctx.terms[prefix].prefix:
            return ctx.terms[prefix].iri + suffix
        if colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S*", name):
            return name
        unsupported("type", "not a term, compact IRI or IRI of the context", name)

    def node(value: Any, where: str) -> _Spec:
        """A node frame (``where``: the key it is the value of, "" at the top)."""
        if not isinstance(value, dict):
            unsupported(where, "a frame entry is {} or a node frame", value)
        embed, explicit = None, None
        types: Any = None
        props: dict[str, _Spec | None] = {}
        reverse: dict[str, _Spec] = {}
        for key, entry in value.items():
            keyword = key if key.startswith("@") else None
            term = ctx.terms.get(key)
            if term is not None and term.iri.startswith("@"):
                keyword = term.iri
            if keyword == "@context" and where == "":
                if entry != CONTEXT_IRI and entry != ctx.document:
                    unsupported("@context", f"only {CONTEXT_IRI}")
            elif keyword == "@type":
                if entry == {}:
                    types = _ANY
                elif isinstance(entry, str):
                    types = (type_iri(entry),)
                elif isinstance(entry, list):
                    types = tuple(type_iri(name) for name in entry)
                else:
                    unsupported("type", "", entry)
            elif keyword == "@embed":
                if entry not in ("@always", "@never"):
                    unsupported("@embed", "only @always and @never", entry)
                embed = entry
            elif keyword == "@explicit":
                if not isinstance(entry, bool):
                    unsupported("@explicit", "", entry)
                explicit = entry
            elif keyword is not None:
                unsupported(keyword)
            else:
                prefix, colon, suffix = key.partition(":")
                if term is not None:
                    iri, is_reverse, container = term.iri, term.reverse, term.container
                elif colon and prefix in ctx.terms and ctx.terms[prefix].prefix:
                    iri, is_reverse, container = ctx.terms[prefix].iri + suffix, False, ()
                elif colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S*", key):
                    iri, is_reverse, container = key, False, ()
                else:
                    unsupported(key, "not a term, compact IRI or IRI of the context")
                if "@language" in container:
                    if entry != {}:
                        unsupported(key, "a language map in a frame", entry)
                    sub: _Spec | None = None  # PyLD expands {} under a language map to []
                else:
                    sub = node(entry, key)
                target: dict[str, Any] = reverse if is_reverse else props
                if iri in target:
                    unsupported(key, f"a second entry for <{iri}>")
                target[iri] = sub
        return _Spec(embed, explicit, types, props, reverse)

    return node(document, "")


class _Out:
    """One node of a framed view: its written identifier (or pruned) and its text.

    ``text`` None is PyLD's ``{"@id": …}`` (a reference, or an embedded node left with nothing
    but its identifier), which compacts like a reference: a string under an ``@id`` term.
    """

    __slots__ = ("id", "text")

    def __init__(self, id_: Any, text: str | None) -> None:
        self.id = id_
        self.text = text


_EMPTY_NODE: dict[str, list[Any]] = {}
_NO_RENDERS: dict[Any, _Render] = {}


def _nt_node(token: str, role: str) -> str:
    """The identifier of an IRI or blank node token (``_:x`` stays ``_:x``, as in PyLD)."""
    first = token[0]
    if first == "<":
        if token[-1] != ">":
            raise _NtError(f"the {role} IRI must end with >")
        return _nt_iri(token)
    if first == "_" and token.startswith("_:") and len(token) > 2:
        return token
    raise _NtError(f"the {role} must be an IRI or a blank node, not {token[:40]!r}")


def _iri_uses(nodes: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """Every object identifier → its one use (subject, property, index), or False if used more."""
    uses: dict[str, Any] = {}
    for subject, props in nodes.items():
        for predicate, values in props.items():
            if predicate == "@type":
                continue
            for index, value in enumerate(values):
                if type(value) is str and value != _RDF_NIL:
                    uses[value] = False if value in uses else (subject, predicate, index)
    return uses


def _fold_lists(
    nodes: dict[str, dict[str, list[Any]]],
    nil_uses: list[tuple[str, str, int]],
    blank_uses: dict[str, Any],
) -> set[str]:
    """Fold RDF lists into :class:`_RdfList` values, as PyLD's from_rdf does.

    Walking back from each use of ``rdf:nil``, a node joins the list while it is used once,
    through ``rdf:rest``, has one ``rdf:first`` and one ``rdf:rest`` and nothing else (but
    ``rdf:type rdf:List``); the walk stops after the first node that is not blank. (PyLD does
    not require the *last* node to be blank: neither does this.) The folded nodes leave the
    table; returns the subjects now holding a list.
    """
    iri_uses: dict[str, Any] | None = None

    def used_once(nid: str) -> Any:
        nonlocal iri_uses
        if nid[0] == "_":
            return blank_uses.get(nid)
        if iri_uses is None:
            iri_uses = _iri_uses(nodes)
        return iri_uses.get(nid)

    chains = []
    for use in nil_uses:
        nid, prop, _ = use
        head, cells = use, []
        props = nodes[nid]
        while prop == _RDF_REST:
            usage = used_once(nid)
            first, rest = props.get(_RDF_FIRST), props.get(_RDF_REST)
            if not usage or first is None or rest is None or len(first) != 1 or len(rest) != 1:
                break
            count = len(props) + 1  # with @id, as PyLD counts keys
            if not (count == 3 or (count == 4 and props.get("@type") == [_RDF_LIST])):
                break
            cells.append(nid)
            nid, prop, _ = usage
            head = usage
            props = nodes[nid]
            if nid[0] != "_":
                break
        chains.append((head, cells))
    folded = []
    for (subject, prop, index), cells in chains:  # every head first: lists may hold lists
        value = _RdfList()
        nodes[subject][prop][index] = value
        folded.append((value, cells))
    for value, cells in folded:
        value.extend(nodes[cell][_RDF_FIRST][0] for cell in reversed(cells))
    for _, cells in folded:
        for cell in cells:
            del nodes[cell]
    return {subject for (subject, _, _), _ in chains if subject in nodes}


def _distinct(values: list[Any]) -> list[Any]:
    """Values without duplicates as PyLD's node map compares them (``0`` and ``-0`` are one)."""
    if len(values) < 2:
        return values
    seen: set[Any] = set()
    kept = []
    for value in values:
        if type(value) is tuple:
            key: Any = (type(value[0]), value[0], value[1], value[2])
        elif type(value) is str:
            key = value
        else:
            kept.append(value)
            continue
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def _list_kind(items: list[Any]) -> tuple[str, str, str]:
    """How PyLD picks a term for a list: the items' common datatype or language, if any."""
    if not items:
        return ("@list", "@any", "@none")
    common_language: str | None = None
    common_type: str | None = None
    for item in items:
        is_value = type(item) is tuple
        item_language, item_type = "@none", "@none"
        if is_value:
            _, language, datatype = item
            if language is not None:
                item_language = language
            elif datatype is not None:
                item_type = datatype
            else:
                item_language = "@null"
        else:
            item_type = "@id"
        if common_language is None:
            common_language = item_language
        elif item_language != common_language and is_value:
            common_language = "@none"
        if common_type is None:
            common_type = item_type
        elif item_type != common_type:
            common_type = "@none"
        if common_language == "@none" and common_type == "@none":
            break
    if common_type is not None and common_type != "@none":
        return ("@list", "@type", common_type)
    return ("@list", "@language", common_language or "@none")


def _types_text(names: list[str]) -> str:
    """``, "type": [...]`` after a node's id, as written."""
    return ',\n  "type": [\n    ' + ",\n    ".join([_encode(n) for n in names]) + "\n  ]"


def _typed_text(ctx: _Context, lexical: str, datatype: str) -> str:
    return (
        '{\n  "@type": '
        + _encode(ctx.vocab(datatype))
        + ',\n  "@value": '
        + _encode(lexical)
        + "\n}"
    )


def _language_text(lexical: str, language: str) -> str:
    return '{\n  "@language": ' + _encode(language) + ',\n  "@value": ' + _encode(lexical) + "\n}"


def _document_bytes(ctx: _Context, texts: list[str]) -> bytes:
    """The document :func:`dumps` writes for ``{"@context": ..., "@graph": nodes}``."""
    if not texts:
        return (ctx.head + ',\n  "@graph": []\n}\n').encode("utf-8")
    chunks = [(ctx.head + ',\n  "@graph": [\n    ').encode("utf-8")]
    separator = b",\n    "
    for index, text in enumerate(texts):
        if index:
            chunks.append(separator)
        chunks.append(text.replace("\n", "\n    ").encode("utf-8"))
        texts[index] = ""  # let each text go once written
    chunks.append(b"\n  ]\n}\n")
    return b"".join(chunks)


def _cleanup_null(value: Any) -> Any:
    """PyLD's _cleanup_null after framing: the string ``"@null"`` is null, dropped in arrays."""
    if isinstance(value, list):
        cleaned = [_cleanup_null(v) for v in value]
        return [v for v in cleaned if v is not None]
    if value == "@null":
        return None
    if isinstance(value, dict):
        return {k: _cleanup_null(v) for k, v in value.items()}
    return value


_CACHE: dict[Any, Any] = {}


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _shared_context() -> _Context:
    """The processed context, read again only when its file changes."""
    key = ("context", _file_key(context_file()))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _Context(context(), str(context_file()))
    assert isinstance(found, _Context)
    return found


def _shared_frame(kind: str) -> _Spec:
    """The parsed frame of a view, read again only when its file (or the context) changes."""
    ctx = _shared_context()
    key = ("frame", _file_key(frame_file(kind)), id(ctx))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _parse_frame(frame_document(kind), ctx, str(frame_file(kind)))
    assert isinstance(found, _Spec)
    return found


class JsonLdWriter:
    """The compact JSON-LD document and the framed views, from sorted N-Triples lines.

    The node table is built once (:meth:`from_ntriples`) and every view reads it; each view
    costs time linear in the data. The bytes are those of the PyLD path: for lines ``lines``
    of triples ``triples`` (``lines == kg.model.canonical.ntriples(triples)``)

    - ``writer.compact_bytes() == dumps(pyld_compact(expand(triples)))``, and
    - ``writer.frame_bytes(kind) == dumps(pyld_frame(expand(triples), kind))``;

    :meth:`compact` and :meth:`frame` give the same documents as JSON objects.

    >>> lines = [
    ...     '<https://w3id.org/samarbeidsgrafen/id/organization/oyer> '
    ...     '<http://www.w3.org/2004/02/skos/core#prefLabel> "Øyer"@nb .',
    ...     '<https://w3id.org/samarbeidsgrafen/id/organization/oyer> '
    ...     '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
    ...     '<https://w3id.org/samarbeidsgrafen/ontology#Municipality> .',
    ... ]
    >>> JsonLdWriter.from_ntriples(lines).compact()["@graph"]
    [{'id': 'https://w3id.org/samarbeidsgrafen/id/organization/oyer', 'type': ['Municipality'], \
'prefLabel': {'nb': 'Øyer'}}]
    """

    def __init__(
        self, nodes: dict[str, dict[str, list[Any]]], blank_holders: set[str], has_null: bool
    ) -> None:
        """Use :meth:`from_ntriples`."""
        self._nodes = nodes
        self._blank_holders = blank_holders
        self._has_null_text = has_null
        self._ctx = _shared_context()
        self._order = sorted(nodes)
        self._labels: dict[str, str] | None = None
        self._merged: list[str] | None = None
        self._by_type: dict[str, list[str]] | None = None
        self._reverse: dict[str, dict[str, list[str]]] = {}
        self._types_cache: dict[tuple[str, ...], str] = {}
        # property → [value → its (key, line), or None once values stop repeating; hits]
        self._lines: dict[str, list[Any]] = {}

    # -- reading

    @classmethod
    def from_triples(cls, triples: Iterable[Triple]) -> JsonLdWriter:
        """The writer of rdflib triples (sorted as :attr:`kg.publish.export.Snapshot.triples`
        are)."""
        from kg.model import canonical

        return cls.from_ntriples(canonical.ntriples(triples))

    @classmethod
    def from_ntriples(cls, lines: Iterable[str] | str, source: str = "<n-triples>") -> JsonLdWriter:
        """Read N-Triples lines (an iterable of lines, or one text) into the node table.

        Lines are taken in order: the values of a property keep it, as PyLD keeps the order of
        its input. Give the sorted lines of :func:`kg.model.canonical.ntriples` (or the same lines
        from another writer) for the canonical documents. A bad line raises LoadError naming
        ``source`` and the line number.
        """
        if isinstance(lines, str):
            lines = lines.splitlines()
        nodes: dict[str, dict[str, list[Any]]] = {}
        ids: dict[str, str] = {}  # one string per identifier
        predicates: dict[str, str] = {}
        suffixes: dict[str, Any] = {}  # "@nb", "^^<…>" → what it makes of a literal
        literals: dict[str, Any] = {}  # short literal tokens, read once
        blank_uses: dict[str, Any] = {}  # blank node → (subject, property, index) or False
        nil_uses: list[tuple[str, str, int]] = []
        holders: set[str] = set()
        subject_token: str | None = None
        props: dict[str, list[Any]] = {}
        subject = ""
        number = 0
        has_null = False
        try:
            with _paused_gc():
                for number, line in enumerate(lines, 1):  # noqa: B007 (names a bad line)
                    parts = line.split(" ", 2)
                    if len(parts) == 3:
                        s_token, p_token, o_token = parts
                        if o_token.endswith(" .\n"):
                            o_token = o_token[:-3]
                        elif o_token.endswith(" ."):
                            o_token = o_token[:-2]
                        else:
                            o_token = ""
                    else:
                        s_token = p_token = o_token = ""
                    if not s_token or not p_token or not o_token or o_token[-1] in " \t":
                        found = _NT_LINE.fullmatch(line.rstrip("\r\n"))
                        if found is None:
                            stripped = line.strip()
                            if not stripped or stripped.startswith("#"):
                                continue
                            raise _NtError("not an N-Triples triple (subject predicate object .)")
                        s_token, p_token, o_token = found.groups()
                    if s_token != subject_token:
                        subject = _nt_node(s_token, "subject")
                        subject = ids.setdefault(subject, subject)
                        subject_token = s_token
                        props = nodes.setdefault(subject, {})
                        if subject[0] == "_":
                            holders.add(subject)
                    predicate = predicates.get(p_token)
                    if predicate is None:
                        if p_token[0] != "<":
                            raise _NtError("a predicate is an IRI")
                        predicate = predicates[p_token] = _nt_node(p_token, "predicate")
                    first = o_token[0]
                    if first == '"':
                        obj = literals.get(o_token)
                        if obj is None:
                            end = o_token.rfind('"')
                            if end <= 0:
                                raise _NtError("a literal must be quoted")
                            lexical = o_token[1:end]
                            if "\\" in lexical or '"' in lexical:
                                lexical = _nt_string(lexical)
                            suffix = o_token[end + 1 :]
                            if suffix:
                                made = suffixes.get(suffix)
                                if made is None:
                                    made = suffixes[suffix] = _nt_suffix(suffix)
                                obj = made(lexical)
                            else:
                                obj = (lexical, None, None)
                            if len(o_token) < 40:
                                literals[o_token] = obj
                            if lexical == "@null":
                                has_null = True
                        values = props.get(predicate)
                        if values is None:
                            props[predicate] = [obj]
                        else:
                            values.append(obj)
                        continue
                    if first == "<" and o_token[-1] == ">":
                        obj = o_token[1:-1]
                        if "\\" in obj:
                            obj = _nt_unescape(obj)
                    else:
                        obj = _nt_node(o_token, "object")
                    found_id = ids.get(obj)
                    if found_id is None:
                        ids[obj] = obj
                    else:
                        obj = found_id
                    if predicate == _RDF_TYPE:
                        values = props.get("@type")
                        if values is None:
                            props["@type"] = [obj]
                        else:
                            values.append(obj)
                        if first == "_":
                            holders.add(subject)
                        continue
                    values = props.get(predicate)
                    if values is None:
                        values = props[predicate] = []
                    if first == "_":
                        holders.add(subject)
                        blank_uses[obj] = (
                            False if obj in blank_uses else (subject, predicate, len(values))
                        )
                    elif obj == _RDF_NIL:
                        nil_uses.append((subject, predicate, len(values)))
                    values.append(obj)
        except _NtError as exc:
            raise LoadError(source, str(exc), line=number) from None
        if nil_uses:
            holders |= _fold_lists(nodes, nil_uses, blank_uses)
        return cls(nodes, holders, has_null)

    # -- the compact document

    def compact_bytes(self) -> bytes:
        """The compact document: ``dumps(pyld_compact(expand(triples)))``, byte for byte."""
        ctx = self._ctx
        nodes = self._nodes
        id_cache = ctx.id_cache
        types_text = self._types_text
        property_texts = self._property_texts
        lines = self._lines
        texts = []
        with _paused_gc():
            for nid in self._order:
                props = nodes[nid]
                pairs: list[tuple[str, str]] = []
                types = None
                for predicate, values in props.items():
                    if predicate == "@type":
                        types = values
                        continue
                    if len(values) == 1 and type(values[0]) is not _RdfList:
                        entry = lines.get(predicate)  # a line written before? (_property_texts)
                        if entry is not None and entry[0] is not None:
                            found = entry[0].get(values[0])
                            if found is not None:
                                entry[1] += 1
                                pairs.append(found)
                                continue
                    property_texts(predicate, values, None, pairs)
                head = '{\n  "id": ' + (id_cache.get(nid) or ctx.id_text(nid))
                if types:
                    head += types_text(types)
                texts.append(_node_text(head, pairs))
            return _document_bytes(ctx, texts)

    def _types_text(self, types: list[str]) -> str:
        """``, "type": [...]`` for a node's types (no blank node among them), cached."""
        key = tuple(types)
        found = self._types_cache.get(key)
        if found is None:
            vocab = self._ctx.vocab
            found = self._types_cache[key] = _types_text([vocab(t) for t in types])
        return found

    def compact(self) -> JsonObject:
        """The compact document as a JSON object (what :func:`pyld_compact` returns)."""
        document: JsonObject = json.loads(self.compact_bytes())
        return document

    def _property_texts(
        self, predicate: str, values: list[Any], label: Any, pairs: list[tuple[str, str]]
    ) -> None:
        """Compact the values of one property, adding (key, text at depth 0) to ``pairs``.

        PyLD compacts item by item: each value picks its key (term selection by the value's
        kind), and the key's container says how it holds them. Keys of different properties
        never meet (a term names one IRI, compact IRIs are one-to-one), so one property's
        values are written here, whole. ``values`` are identifiers (str), literals (tuples),
        lists, or framed nodes (:class:`_Out`); ``label`` renames blank nodes inside lists in
        a framed view (None: keep them).
        """
        ctx = self._ctx
        renders = ctx._render_cache.get(predicate) or _NO_RENDERS
        if len(values) == 1:  # most properties: one value, one key
            value = values[0]
            kind_of = type(value)
            if label is None and (kind_of is str or kind_of is tuple):
                entry = self._lines.get(predicate)
                if entry is None:
                    entry = self._lines[predicate] = [{}, 0]
                cache = entry[0]
                if cache is not None:
                    found = cache.get(value)
                    if found is not None:
                        entry[1] += 1
                        pairs.append(found)
                        return
                    pair = self._single_pair(predicate, renders, value)
                    cache[value] = pair
                    if len(cache) & 0x3FF == 0 and entry[1] < len(cache):
                        entry[0] = None  # its values hardly repeat: stop keeping them
                    pairs.append(pair)
                    return
            if kind_of is _Out:
                r = renders.get(_KIND_NODE) or ctx.render(predicate, _KIND_NODE)
                pairs.append(_single_line(r, self._out_text(value, r.ref_plain), None))
                return
            if kind_of is str:
                r = renders.get(_KIND_NODE) or ctx.render(predicate, _KIND_NODE)
                if label is not None:
                    value = label(value)
                written = ctx.id_cache.get(value) or ctx.id_text(value)
                text = written if r.ref_plain else '{\n  "id": ' + written + "\n}"
                pairs.append(_single_line(r, text, None))
                return
            if kind_of is tuple:
                lexical, language, datatype = value
                if datatype is not None:
                    r = renders.get(datatype) or ctx.render(predicate, datatype)
                    text = (
                        _encode(lexical)
                        if r.type == datatype
                        else _typed_text(ctx, lexical, datatype)
                    )
                elif language is not None:
                    r = renders.get(language) or ctx.render(predicate, language)
                    text = _encode(lexical) if r.map else _language_text(lexical, language)
                else:
                    r = renders.get(_KIND_PLAIN) or ctx.render(predicate, _KIND_PLAIN)
                    text = _scalar(lexical)
                pairs.append(_single_line(r, text, language))
                return
        groups: dict[str, list[Any]] | None = None
        render: _Render | None = None
        items: Any = None
        for value in values:
            kind_of = type(value)
            language = None
            if kind_of is str:
                r = renders.get(_KIND_NODE) or ctx.render(predicate, _KIND_NODE)
                if label is not None:
                    value = label(value)
                written = ctx.id_cache.get(value) or ctx.id_text(value)
                text = written if r.ref_plain else '{\n  "id": ' + written + "\n}"
            elif kind_of is tuple:
                lexical, language, datatype = value
                if datatype is not None:
                    r = renders.get(datatype) or ctx.render(predicate, datatype)
                    if r.type == datatype:
                        text = _encode(lexical)
                    else:
                        text = _typed_text(ctx, lexical, datatype)
                elif language is not None:
                    r = renders.get(language) or ctx.render(predicate, language)
                    if r.map:
                        text = _encode(lexical)
                    else:
                        text = _language_text(lexical, language)
                else:
                    r = renders.get(_KIND_PLAIN) or ctx.render(predicate, _KIND_PLAIN)
                    text = _scalar(lexical)
            elif kind_of is _Out:
                r = renders.get(_KIND_NODE) or ctx.render(predicate, _KIND_NODE)
                text = self._out_text(value, r.ref_plain)
            else:  # an RDF list
                r = ctx.render(predicate, _list_kind(value))
                listed = [self._list_item(item, r, label) for item in value]
                text = _object_text([("@list", _array_text(listed))])
            if render is None:
                render, items = r, ({} if r.map else [])
            elif r.key != render.key:  # one property, two keys (startDate and startYear)
                if groups is None:
                    groups = {render.key: [render, items]}
                found = groups.get(r.key)
                if found is None:
                    found = groups[r.key] = [r, {} if r.map else []]
                render, items = found
            if render.map:
                items.setdefault(language or "@none", []).append(text)
            else:
                items.append(text)
        if groups is None:
            if render is not None:
                pairs.append(_line(render, _group_text(render, items)))
        else:
            for r, found in groups.values():
                pairs.append(_line(r, _group_text(r, found)))

    def _single_pair(
        self, predicate: str, renders: dict[Any, _Render], value: Any
    ) -> tuple[str, str]:
        """The (key, line) pair of a property with one value, an identifier or a literal."""
        ctx = self._ctx
        if type(value) is str:
            r = renders.get(_KIND_NODE) or ctx.render(predicate, _KIND_NODE)
            written = ctx.id_cache.get(value) or ctx.id_text(value)
            return _single_line(
                r, written if r.ref_plain else '{\n  "id": ' + written + "\n}", None
            )
        lexical, language, datatype = value
        if datatype is not None:
            r = renders.get(datatype) or ctx.render(predicate, datatype)
            text = _encode(lexical) if r.type == datatype else _typed_text(ctx, lexical, datatype)
        elif language is not None:
            r = renders.get(language) or ctx.render(predicate, language)
            text = _encode(lexical) if r.map else _language_text(lexical, language)
        else:
            r = renders.get(_KIND_PLAIN) or ctx.render(predicate, _KIND_PLAIN)
            text = _scalar(lexical)
        return _single_line(r, text, language)

    def _out_text(self, out: _Out, ref_plain: bool) -> str:
        """A framed node: its text, or as a reference (a string under an ``@id`` term)."""
        if out.text is not None:
            return out.text
        if out.id is _NO_ID:
            return "{}"
        written = self._ctx.id_text(out.id)
        return written if ref_plain else '{\n  "id": ' + written + "\n}"

    def _list_item(self, item: Any, render: _Render | None, label: Any) -> str:
        """An item of a list, compacted with the list's term (PyLD compacts items with it)."""
        kind_of = type(item)
        ref_plain = render is not None and render.ref_plain
        if kind_of is _Out:
            return self._out_text(item, ref_plain)
        if kind_of is str:
            written = self._ctx.id_text(item if label is None else label(item))
            return written if ref_plain else '{\n  "id": ' + written + "\n}"
        if kind_of is tuple:
            lexical, language, datatype = item
            if datatype is not None:
                if render is not None and render.type == datatype:
                    return str(_encode(lexical))
                return _typed_text(self._ctx, lexical, datatype)
            if language is not None:
                return _language_text(lexical, language)
            return _scalar(lexical)
        # a list in a list: its items are compacted with no term (active property @list)
        inner = [self._list_item(i, None, label) for i in item]
        return _object_text([("@list", _array_text(inner))])

    # -- the framed views

    def frame_bytes(self, kind: str) -> bytes:
        """The framed view ``kind``: ``dumps(pyld_frame(expand(triples), kind))``, byte for byte."""
        spec = _shared_frame(kind)
        with _paused_gc():
            framer = _Framer(self, None)
            texts = framer.run(spec)
            if framer.blank_counts:  # blank nodes met: prune those written once, as PyLD does
                texts = _Framer(self, framer.blank_counts).run(spec)
            data = _document_bytes(self._ctx, texts)
        if self._has_null_text:  # PyLD's _cleanup_null turns the string "@null" into null
            document = json.loads(data)
            document["@graph"] = _cleanup_null(document["@graph"])
            data = dumps(document)
        return data

    def frame(self, kind: str) -> JsonObject:
        """The framed view ``kind`` as a JSON object (what :func:`pyld_frame` returns)."""
        document: JsonObject = json.loads(self.frame_bytes(kind))
        return document

    def _label(self, nid: str) -> str:
        """The identifier PyLD's framing gives a node: blank nodes are renamed ``_:bN``."""
        if nid[0] != "_":
            return nid
        if self._labels is None:
            self._labels = self._frame_labels()
        return self._labels.get(nid, nid)

    def _frame_labels(self) -> dict[str, str]:
        """Blank node labels in the order PyLD's _create_node_map meets them."""
        labels: dict[str, str] = {}

        def meet(value: Any) -> None:
            if type(value) is str:
                if value[0] == "_" and value not in labels:
                    labels[value] = f"_:b{len(labels)}"
            elif type(value) is _RdfList:
                for item in value:
                    meet(item)

        for nid in self._order:
            if nid not in self._blank_holders:
                continue
            props = self._nodes[nid]
            for t in props.get("@type", ()):
                meet(t)
            meet(nid)
            for predicate in sorted(props):
                if predicate != "@type":
                    for value in props[predicate]:
                        meet(value)
        return labels

    def _merged_order(self) -> list[str]:
        """Every subject in the order of PyLD's merged node map (sorted by framed label)."""
        if self._merged is None:
            order = self._order
            blanks = [i for i, nid in enumerate(order) if nid[0] == "_"]
            if blanks:
                start, end = blanks[0], blanks[-1] + 1
                block = sorted(order[start:end], key=self._label)
                order = order[:start] + block + order[end:]
            self._merged = order
        return self._merged

    def _referrers(self, predicate: str) -> dict[str, list[str]]:
        """Object → the subjects that have it as a value of ``predicate``, in merged order."""
        found = self._reverse.get(predicate)
        if found is None:
            found = self._reverse[predicate] = {}
            nodes = self._nodes
            for nid in self._merged_order():
                values = nodes[nid].get(predicate)
                if values:
                    for value in values:
                        if type(value) is str:
                            found.setdefault(value, []).append(nid)
        return found

    def _candidates(self, spec: _Spec) -> list[str]:
        """The nodes that may match a top-level frame (all of them unless it names types)."""
        if spec.types is None or spec.types is _ANY or spec.types == ():
            found = [nid for nid in self._order if self._nodes[nid]]
            if spec.accepts(_EMPTY_NODE):  # a frame that matches bare references too
                found.extend(self._bare_references())
            return found
        if self._by_type is None:
            self._by_type = {}
            for nid in self._order:
                for t in self._nodes[nid].get("@type", ()):
                    self._by_type.setdefault(t, []).append(nid)
        found, seen = [], set()
        for t in spec.types:
            for nid in self._by_type.get(t, ()):
                if nid not in seen:
                    seen.add(nid)
                    found.append(nid)
        return found

    def _bare_references(self) -> list[str]:
        """Identifiers used as objects only (PyLD's node map holds them too)."""
        bare: set[str] = set()

        def meet(value: Any) -> None:
            if type(value) is str:
                if value not in self._nodes:
                    bare.add(value)
            elif type(value) is _RdfList:
                for item in value:
                    meet(item)

        for props in self._nodes.values():
            for predicate, values in props.items():
                if predicate != "@type":
                    for value in values:
                        meet(value)
        return sorted(bare)


class _Framer:
    """One framed view, computed as PyLD's ``_match_frame`` computes it, then compacted.

    With our options (``@embed @never`` by default, ``omitDefault``) and the features our frames
    use, PyLD's behaviour comes down to this, quirks included:

    - a node frame filters: with ``type`` named, a node needs one of the types (``{}``: any);
      otherwise it needs one of the named properties (a frame naming nothing matches all);
      a property the frame maps to "match none" must be absent;
    - a node reached through a property is a reference under ``@embed @never`` or when it is
      an ancestor other than its parent (the circular check skips the parent), else embedded;
    - ``@reverse`` entries embed the subjects pointing at the node, in the node map's order,
      *without* the embed checks at top level (PyLD passes ``embeded`` for ``embedded``);
    - ``@explicit`` keeps the node's own ``@id`` and ``@type``; a sub-frame naming ``type``
      drops literal values of that property; items of a list use the parent's flags;
    - duplicate values (as PyLD compares them) are dropped, blank nodes are renamed ``_:bN``
      and a blank node written once loses its identifier.

    Embedded nodes whose text did not depend on their ancestors are reused (``_memo``).
    """

    def __init__(self, writer: JsonLdWriter, counts: dict[str, int] | None) -> None:
        self.writer = writer
        self.nodes = writer._nodes
        self.ctx = writer._ctx
        self.counts = counts
        self.blank_counts: dict[str, int] = {}
        self.stack: list[str] = []
        self.depends = 0  # bumped whenever the ancestors decide something
        self.memo: dict[tuple[str, int], tuple[str, list[str]]] = {}
        self.met: list[str] = []  # blank node outputs, for the memo to replay

    def run(self, spec: _Spec) -> list[str]:
        writer = self.writer
        label = writer._label
        matches = sorted(
            (label(nid), nid)
            for nid in writer._candidates(spec)
            if spec.accepts(self.nodes.get(nid, _EMPTY_NODE))
        )
        texts = []
        for _, nid in matches:
            out = self.output(nid, spec, False, check=False)
            assert out is not None
            if out.text is not None:
                texts.append(out.text)
            elif out.id is _NO_ID:
                texts.append("{}")
            else:
                texts.append('{\n  "id": ' + self.ctx.id_text(out.id) + "\n}")
        return texts

    def _written_id(self, nid: str) -> Any:
        name = self.writer._label(nid)
        if name[0] == "_":
            self.blank_counts[name] = self.blank_counts.get(name, 0) + 1
            self.met.append(name)
            if self.counts is not None and self.counts.get(name) == 1:
                return _NO_ID
        return name

    def output(self, nid: str, spec: _Spec, embedded: bool, check: bool = True) -> _Out | None:
        """The output for node ``nid`` under frame ``spec``, None if the frame filters it out."""
        node = self.nodes.get(nid, _EMPTY_NODE)
        if (
            check
            and not spec.accepts_all
            and not (spec.any_type and "@type" in node)
            and not spec.accepts(node)
        ):
            return None
        written = nid if nid[0] != "_" else self._written_id(nid)
        if embedded:
            if spec.never:
                return _Out(written, None)
            self.depends += 1
            if nid in self.stack[:-1]:
                return _Out(written, None)
        key = (nid, id(spec))
        memo = self.memo.get(key)
        if memo is not None:
            for name in memo[1]:
                self.blank_counts[name] += 1
            self.met.extend(memo[1])
            return _Out(written, memo[0])
        depends, met_before = self.depends, len(self.met)
        text = self._embed(nid, node, spec, embedded, written)
        if self.depends == depends and text is not None:
            self.memo[key] = (text, self.met[met_before:])
        return _Out(written, text)

    def _embed(
        self, nid: str, node: dict[str, list[Any]], spec: _Spec, embedded: bool, written: Any
    ) -> str | None:
        """The text of an embedded node (None when it holds nothing but its identifier)."""
        writer = self.writer
        label = writer._label
        lines = writer._lines
        self.stack.append(nid)
        if spec.explicit:
            chosen = [(p, sub) for p, sub in spec.props.items() if p in node]
        else:
            implicit = spec.implicit()
            chosen = [(p, spec.props.get(p, implicit)) for p in node if p != "@type"]
        pairs: list[tuple[str, str]] = []
        for predicate, sub in chosen:
            assert sub is not None  # "match none" entries are absent: the filter saw to it
            values = node[predicate]
            if len(values) > 1:
                values = _distinct(values)
            elif sub.plain:  # one IRI or literal: written as in the compact view
                value = values[0]
                if type(value) is tuple or (type(value) is str and value[0] != "_"):
                    entry = lines.get(predicate)
                    if entry is not None and entry[0] is not None:
                        found = entry[0].get(value)
                        if found is not None:
                            entry[1] += 1
                            pairs.append(found)
                            continue
                    writer._property_texts(predicate, values, None, pairs)
                    continue
            if sub.plain:  # IRIs and literals only: they are written as in the compact view
                for value in values:
                    if type(value) is str:
                        if value[0] == "_":
                            break
                    elif type(value) is not tuple:
                        break
                else:
                    writer._property_texts(predicate, values, None, pairs)
                    continue
            outputs: list[Any] = []
            for value in values:
                kind_of = type(value)
                if kind_of is str:
                    out = self.output(value, sub, True)
                    if out is not None:
                        outputs.append(out)
                elif kind_of is _RdfList:
                    items = _RdfList()
                    for item in value:
                        if type(item) is str:
                            out = self.output(item, spec.implicit(), True)
                            if out is not None:
                                items.append(out)
                        else:
                            items.append(item)
                    outputs.append(items)
                elif sub.takes_values:
                    outputs.append(value)
            if outputs:
                writer._property_texts(predicate, outputs, label, pairs)
        for predicate, sub_spec in spec.reverse.items():
            self.depends += 1
            subjects = writer._referrers(predicate).get(nid)
            if subjects:
                found = []
                for subject in subjects:
                    out = self.output(subject, sub_spec, embedded)
                    if out is not None:
                        found.append(out)
                pairs.append(self._reverse_pair(predicate, found))
        self.stack.pop()
        types = node.get("@type")
        if not types and not pairs:
            return None
        head = "{" if written is _NO_ID else '{\n  "id": ' + self.ctx.id_text(written)
        if types:
            if all(t[0] != "_" for t in types):
                written_types = writer._types_text(types)
            else:
                names = []
                for t in types:
                    name = label(t)
                    if name[0] == "_":
                        self.blank_counts[name] = self.blank_counts.get(name, 0) + 1
                        self.met.append(name)
                    names.append(self.ctx.vocab(name))
                written_types = _types_text(names)
            head = head + written_types if head != "{" else "{" + written_types[1:]
        return _node_text(head, pairs)

    def _reverse_pair(self, predicate: str, outs: list[_Out]) -> tuple[str, str]:
        """The nodes found through ``@reverse``, under their reverse term (always a set)."""
        ctx = self.ctx
        if not outs:
            chosen = [ctx.render(predicate, _KIND_REVERSE_EMPTY)]
        else:
            chosen = [
                ctx.render(predicate, _KIND_REVERSE_NO_ID if o.id is _NO_ID else _KIND_REVERSE)
                for o in outs
            ]
        for render in chosen:
            term = render.term
            if term is None or not term.reverse or "@set" not in term.container:
                raise LoadError(
                    "<json-ld>",
                    f"frame feature '@reverse' of <{predicate}> needs a reverse term with "
                    f"@container @set ({render.key!r} is not one)",
                    hint="use kg.model.jsonld.pyld_frame, or extend JsonLdWriter",
                )
            if render.key != chosen[0].key:
                raise LoadError(
                    "<json-ld>",
                    f"frame feature '@reverse' of <{predicate}> has two reverse terms",
                    hint="use kg.model.jsonld.pyld_frame, or extend JsonLdWriter",
                )
        texts = [self.writer._out_text(out, chosen[0].ref_plain) for out in outs]
        return _line(chosen[0], _array_text(texts))
