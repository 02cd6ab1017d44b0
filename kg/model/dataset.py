"""Load the ontology, the code lists and the data into one dataset, one named graph per source.

Every data file is TriG (or N-Quads, or JSON-LD with named graphs): each named graph holds the
statements of one source document and describes itself with PROV::

    sgid:graph/oyer-2010 { sgid:graph/oyer-2010 a sg:SourceGraph ;
                               prov:wasDerivedFrom sgid:source/oyer-regionalt-samarbeid-2010 . ... }

On loading, every resource typed in a source graph gets ``prov:wasDerivedFrom`` its source
document, in that same graph (resource-level provenance). A data file that states a triple
outside every named graph (a TriG statement outside a graph block or in an unnamed block, an
N-Quads line without a graph, any file in a triple syntax: Turtle, N-Triples, RDF/XML) or a
named graph that is not a source graph is refused, naming the file and line
(:func:`load_data_file`, :mod:`kg.model.sourcegraphs`).

Parsing is offline: an audit hook refuses every URL that a parser tries to open and every file
other than the one asked for (see :func:`offline`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import sysconfig
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import NamespaceManager
from rdflib.plugins.parsers.notation3 import BadSyntax

from kg.errors import LoadError
from kg.model import bounds, paths
from kg.model.namespaces import ID, PROV, RDF, SG, bind_prefixes

ONTOLOGY_GRAPH = ID["graph/ontology"]
"""Named graph of the OWL ontology."""
VOCAB_GRAPH = ID["graph/vocabularies"]
"""Named graph of the SKOS code lists."""

FORMAT_BY_SUFFIX: dict[str, str] = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
"""RDF syntax by file extension."""

QUAD_FORMATS = {"trig", "nquads", "json-ld"}


# --------------------------------------------------------------------------------------------
# Offline parsing


_guard = threading.local()
_hook_installed = False


def _code_folders() -> list[Path]:
    """The folders Python may import code from while a parser runs (lazy plugin loading): the
    standard library, site-packages and this package, resolved."""
    found = sysconfig.get_paths()
    names = [found[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in found]
    return [Path(name).resolve() for name in {*names, str(Path(__file__).parent.parent)}]


def _allowed_open(target: object) -> bool:
    """Whether a parser may open ``target``: a file asked for, or a file inside one of the
    :func:`_code_folders` (compared as resolved paths, whole components: ``…/kg-private/x`` is
    not inside ``…/kg``)."""
    allowed: set[str] = getattr(_guard, "allowed", set())
    if not isinstance(target, str | bytes | Path):
        return True  # a file descriptor, already open
    path = Path(os.fsdecode(target)).resolve()
    if str(path) in allowed:
        return True
    return any(path.is_relative_to(folder) for folder in _code_folders())


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not getattr(_guard, "active", False):
        return
    if event in ("urllib.Request", "socket.connect", "socket.getaddrinfo"):
        target = args[0] if args else "?"
        raise PermissionError(f"parsing may not reach the network ({event} {target!r})")
    if event == "open" and args and not _allowed_open(args[0]):
        raise PermissionError(f"parsing may not read {args[0]!r}")


@contextlib.contextmanager
def offline(*allowed_files: Path) -> Iterator[None]:
    """Within this block, refuse network access and file reads other than ``allowed_files``.

    >>> from urllib.request import urlopen
    >>> with offline():
    ...     urlopen("http://example.org/")
    Traceback (most recent call last):
    PermissionError: parsing may not reach the network (urllib.Request 'http://example.org/')
    """
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    previous: tuple[bool, set[str]] = (
        getattr(_guard, "active", False),
        getattr(_guard, "allowed", set()),
    )
    _guard.active = True
    _guard.allowed = {str(p.resolve()) for p in allowed_files}
    try:
        yield
    finally:
        _guard.active, _guard.allowed = previous


# --------------------------------------------------------------------------------------------
# Parsing one file


def syntax_of(path: Path) -> str:
    """The rdflib format name for ``path``, by extension.

    >>> syntax_of(Path("data/oyer-2010.trig"))
    'trig'
    >>> syntax_of(Path("notes.txt"))
    Traceback (most recent call last):
    kg.errors.LoadError: notes.txt: unknown RDF syntax '.txt' (use one of .json .jsonld .nq ...)
    """
    fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = " ".join(sorted(FORMAT_BY_SUFFIX))
        raise LoadError(str(path), f"unknown RDF syntax '{path.suffix}' (use one of {known})")
    return fmt


def _load_error(path: Path, text: str, exc: Exception) -> LoadError:
    """Turn a parser's exception into a LoadError with line and column."""
    if isinstance(exc, BadSyntax):
        pos = exc._i
        if pos < 0 or pos > len(text):  # the parser ran out of text: point after its end
            pos = len(text.rstrip())
        line = text.count("\n", 0, pos) + 1
        column = pos - text.rfind("\n", 0, pos)
        return LoadError(str(path), exc._why, line=line, column=column, hint="fix the syntax")
    if isinstance(exc, json.JSONDecodeError):
        return LoadError(str(path), exc.msg, line=exc.lineno, column=exc.colno)
    if isinstance(exc, SAXParseException):
        return LoadError(
            str(path), str(exc.getMessage()), line=exc.getLineNumber(), column=exc.getColumnNumber()
        )
    if isinstance(exc, PermissionError):
        return LoadError(str(path), str(exc), hint="use a local JSON-LD context")
    message = " ".join(str(exc).split()) or type(exc).__name__
    found = re.search(r"line (\d+)", message)
    return LoadError(str(path), message, line=int(found.group(1)) if found else None)


def parse_file(path: Path, dataset: Dataset, graph: URIRef | None = None) -> None:
    """Parse ``path`` into ``dataset``: quads keep their graphs, triples go to ``graph``.

    The file is read and parsed within the bounds of :mod:`kg.model.bounds` (size, literal length,
    nesting, no DTD in RDF/XML, time); JSON-LD whose IRIs are not valid absolute IRIs is
    refused (:func:`check_jsonld_iris`) rather than silently losing statements.
    Raises :class:`LoadError` naming the file, line and column of a syntax error.
    """
    fmt = syntax_of(path)
    data = bounds.read_bounded(path)
    bounds.check_syntax(path, data, fmt)
    text = data.decode("utf-8", errors="replace")
    base = path.resolve().as_uri()
    parser_format = bounds.SAFE_XML_FORMAT if fmt == "xml" else fmt
    try:
        with bounds.deadline(path), offline(path):
            if fmt == "json-ld":
                check_jsonld_iris(path, text, base)
            if fmt in QUAD_FORMATS:
                dataset.parse(data=data, format=parser_format, publicID=base)
            else:
                target = dataset.graph(graph if graph is not None else DATASET_DEFAULT_GRAPH_ID)
                target.parse(data=data, format=parser_format, publicID=base)
    except LoadError:
        raise
    except RecursionError:
        raise LoadError(
            str(path),
            "nested too deeply for the parser",
            hint=f"flatten the data; brackets may nest {bounds.MAX_NESTING} deep",
        ) from None
    except Exception as exc:  # every parser has its own exception types
        raise _load_error(path, text, exc) from None


_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*')
r"""An absolute IRI (RFC 3987, roughly: a scheme, then no space, control or ``<>"{}|^`\``)."""


def check_jsonld_iris(path: Path, text: str, base: str) -> None:
    """Refuse a JSON-LD document with a property, ``@id``, ``@type`` or datatype that is not an
    absolute IRI after expansion: rdflib drops such statements without a word.

    The document is expanded with PyLD (the project's context served locally, nothing
    fetched); a key that expands to no IRI is refused as well.
    """
    from pyld import jsonld as pyld

    from kg.model.jsonld import _remote_contexts, _unwrap, document_loader

    def dropped(expanded: str | None) -> None:
        raise _bad_iri(path, text, expanded or "(none)", "a property that is not an IRI")

    document = json.loads(text)
    if _remote_contexts(document):
        return  # refused by the parser, which may not fetch it (see offline)
    options = {"base": base, "documentLoader": document_loader, "processingMode": "json-ld-1.1"}
    try:
        expanded = pyld.expand(document, options, on_property_dropped=dropped)
    except pyld.JsonLdError as exc:
        inner = _unwrap(exc)  # a refused URL, wrapped by PyLD
        if inner is not None:
            raise inner from None
        message = " ".join(str(exc.args[0] if exc.args else exc).split())
        raise LoadError(str(path), f"invalid JSON-LD: {message}", hint="fix the document") from None
    stack: list[Any] = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        is_value = "@value" in node
        for key, value in node.items():
            if not key.startswith("@"):
                _check_iri(path, text, key, "property")
            elif key == "@id" and isinstance(value, str):
                _check_iri(path, text, value, "@id")
            elif key == "@type" and isinstance(value, str | list):
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and item != "@json":
                        _check_iri(path, text, item, "datatype" if is_value else "@type")
            if isinstance(value, dict | list):
                stack.append(value)


def _check_iri(path: Path, text: str, iri: str, role: str) -> None:
    if iri.startswith("_:") or _IRI.fullmatch(iri):
        return
    raise _bad_iri(path, text, iri, f"an invalid IRI as {role}")


def _bad_iri(path: Path, text: str, iri: str, what: str) -> LoadError:
    folder = path.resolve().parent.as_uri() + "/"
    written = iri[len(folder) :] if iri.startswith(folder) else iri  # as written, if relative
    found = text.find(json.dumps(written, ensure_ascii=False))
    line = text.count("\n", 0, found) + 1 if found >= 0 else None
    shown = iri if len(iri) <= 80 else iri[:77] + "..."
    return LoadError(
        str(path),
        f"JSON-LD has {what}: {json.dumps(shown, ensure_ascii=False)}",
        line=line,
        hint='write a full IRI without spaces or <>"{}|^`\\ characters',
    )


# --------------------------------------------------------------------------------------------
# The dataset


@dataclass(frozen=True)
class SourceGraph:
    """A named graph holding the statements of one source document."""

    iri: URIRef
    source: URIRef | None
    triples: int


def new_dataset() -> Dataset:
    """An empty dataset whose default graph, for queries, is the union of all graphs."""
    ds = Dataset(default_union=True)
    ds.namespace_manager = NamespaceManager(ds, bind_namespaces="none")
    bind_prefixes(ds)
    return ds


def data_files(folder: Path) -> list[Path]:
    """The RDF files in ``folder`` (not recursive), sorted by name."""
    if not folder.is_dir():
        raise LoadError(str(folder), "no such folder", hint="give a folder of .trig files")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in FORMAT_BY_SUFFIX)


def ontology_files() -> list[Path]:
    """The OWL ontology files (``ontology/*.ttl``)."""
    return sorted(paths.ONTOLOGY_DIR.glob("*.ttl"))


def vocabulary_files() -> list[Path]:
    """The SKOS code lists (``ontology/vocab/*.ttl``)."""
    return sorted(paths.VOCAB_DIR.glob("*.ttl"))


def load_model(dataset: Dataset) -> Dataset:
    """Add the ontology and the code lists to ``dataset``, each in its own graph."""
    for path in ontology_files():
        parse_file(path, dataset, ONTOLOGY_GRAPH)
    for path in vocabulary_files():
        parse_file(path, dataset, VOCAB_GRAPH)
    return dataset


def derive_provenance(dataset: Dataset) -> int:
    """Give every resource described in a source graph ``prov:wasDerivedFrom`` its source document.

    Returns the number of triples added. Idempotent.
    """
    added = 0
    for graph_iri in sorted(source_graph_iris(dataset)):
        graph = dataset.graph(graph_iri)
        sources = sorted(graph.objects(graph_iri, PROV.wasDerivedFrom), key=str)
        subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
        subjects -= {graph_iri, *sources}
        for subject in sorted(subjects):
            for source in sources:
                triple = (subject, PROV.wasDerivedFrom, source)
                if triple not in graph:
                    graph.add(triple)
                    added += 1
    return added


def source_graph_iris(dataset: Dataset) -> set[URIRef]:
    """IRIs of the named graphs that describe themselves as ``sg:SourceGraph``."""
    found: set[URIRef] = set()
    for ctx in dataset.graphs():
        iri = ctx.identifier
        if isinstance(iri, URIRef) and (iri, RDF.type, SG.SourceGraph) in ctx:
            found.add(iri)
    return found


def source_graphs(dataset: Dataset) -> list[SourceGraph]:
    """The source graphs of ``dataset`` with their sources and sizes, sorted by IRI."""
    result = []
    for iri in sorted(source_graph_iris(dataset)):
        graph = dataset.graph(iri)
        source = next(iter(sorted(graph.objects(iri, PROV.wasDerivedFrom), key=str)), None)
        result.append(SourceGraph(iri, source if isinstance(source, URIRef) else None, len(graph)))
    return result


def load_dataset(data: Path | Iterable[Path] | None = None, *, with_model: bool = True) -> Dataset:
    """Load the model and the data into one dataset.

    ``data`` is a folder (every RDF file in it) or a list of files; by default the project's
    ``data/`` folder.

    >>> ds = load_dataset()
    >>> ONTOLOGY_GRAPH in {g.identifier for g in ds.graphs()}
    True
    """
    dataset = new_dataset()
    if with_model:
        load_model(dataset)
    if data is None:
        data = paths.DATA_DIR
    files = data_files(data) if isinstance(data, Path) and data.is_dir() else None
    if files is None:
        files = [data] if isinstance(data, Path) else list(data)
    for path in files:
        load_data_file(path, dataset)
    derive_provenance(dataset)
    return dataset


def load_data_file(path: Path, dataset: Dataset) -> None:
    """Parse the data file ``path`` into ``dataset`` (:func:`parse_file`) and refuse it if it put
    a triple in the default graph or wrote into a named graph that is not a source graph: the
    rule of :mod:`kg.model.sourcegraphs`, decided on what rdflib produced. The files before it
    passed, so the default graph was empty.

    Raises :class:`LoadError` naming the file, line and column of the first offence.
    """
    from kg.model.sourcegraphs import Found, refusal

    model = {ONTOLOGY_GRAPH, VOCAB_GRAPH}
    before = {g.identifier for g in dataset.graphs()}
    sizes = {g.identifier: len(g) for g in dataset.graphs() if g.identifier in model}
    parse_file(path, dataset)
    default = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
    new = [
        g
        for g in dataset.graphs()
        if g.identifier not in before and g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)
    ]
    bad = {
        str(g.identifier)
        for g in new
        if isinstance(g.identifier, URIRef) and (g.identifier, RDF.type, SG.SourceGraph) not in g
    }
    bad |= {str(g) for g, size in sizes.items() if len(dataset.graph(g)) != size}

    def least_subject() -> str | None:
        return min((str(s) for s in default.subjects() if isinstance(s, URIRef)), default=None)

    found = Found(
        default=len(default) > 0,
        graphs=tuple(sorted(bad)),
        blank_graph=any(not isinstance(g.identifier, URIRef) for g in new),
        is_subject=lambda iri: (URIRef(iri), None, None) in default,
        least_subject=least_subject,
    )
    if not found.refused:
        return
    text = bounds.read_bounded(path).decode("utf-8", errors="replace")  # to locate it only
    error = refusal(path, syntax_of(path), text, found)
    if error is not None:
        raise error


def union_graph(dataset: Dataset) -> Graph:
    """All triples of every graph in one plain graph (what pySHACL and Turtle export see)."""
    union = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in dataset.triples((None, None, None)):
        union.add(triple)
    return union
