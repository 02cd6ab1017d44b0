"""Upload the dataset to a SPARQL store by the Graph Store Protocol, then check what it holds.

:func:`push` sends every named graph of the dataset (one per source document, the ontology and
the code lists) with one HTTP ``PUT`` per graph to the store's Graph Store Protocol endpoint,
addressed indirectly (``?graph=<IRI, percent-encoded>``). A ``PUT`` replaces the graph, so
pushing again never duplicates anything. Each graph travels as N-Triples, its blank nodes
labelled afresh (they are scoped to one request anyway).

Then it asks the query endpoint, through :class:`kg.query.remote.RemoteEngine`, how many triples
each graph holds (``COUNT(*)`` inside ``GRAPH``) and compares them with the local counts; a
difference is an :class:`~kg.errors.EndpointError` naming the graph and both counts.

**A push that fails halfway** says so: :class:`PushIncomplete` names the graphs replaced, the
one that failed and those never sent. To make that recoverable, :func:`push` can first
*back up* every graph it is about to replace (``GET`` by the Graph Store Protocol, as
N-Triples, into a folder with a ``manifest.json``; ``kg push`` does so by default), and
:func:`restore` puts a backup back: each graph that existed is ``PUT`` again, each that did not
is ``DELETE``d, and the counts are checked, so the store is as it was before the push. To
*finish* instead, push only the graphs not replaced (``only=``, ``kg push --only IRI``). A
restore is itself a sequence of idempotent requests: if it fails halfway, run it again.

Every request has the client's total deadline and size cap (:mod:`kg.query.transport`); a backup of
a graph larger than the cap fails before anything is replaced.

Oxigraph serves queries at ``{base}/query`` and the Graph Store Protocol at ``{base}/store``;
:func:`graph_store_url` derives the second from the first. Other stores name it differently
(Fuseki: ``/{dataset}/data``), so give it explicitly there.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.errors import EndpointError, KgError, OutputError
from kg.model import canonical
from kg.model.dataset import offline
from kg.query.remote import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    RemoteEngine,
    check_url,
    http_request,
)

CONTENT_TYPE = "application/n-triples"
"""How each graph is sent."""

COUNT_QUERY = "SELECT (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }"
"""How many triples a graph holds; ``?graph`` is bound to each graph's IRI."""

_QUERY_SUFFIXES = ("/query", "/sparql")

MANIFEST = "manifest.json"
"""The file of a backup folder that lists its graphs (IRI, file, triples) and the store."""

_BACKUP_FILE = re.compile(r"graph-[0-9]{3,}\.nt")


class PushError(KgError):
    """A push or restore that cannot start: an unknown ``--only`` graph, a bad backup folder."""


class PushIncomplete(KgError):
    """A push (or restore) stopped halfway: which graphs were replaced, which one failed, which
    were not sent, and where their previous contents are. ``hints`` are lines a caller adds
    (the commands that finish or roll back); ``str()`` is the cause on its first line, then one
    indented line for each of the rest."""

    def __init__(
        self,
        cause: KgError,
        *,
        done: Sequence[URIRef],
        failed: URIRef,
        unsent: Sequence[URIRef],
        backup: Path | None,
        verb: str = "replaced",
    ) -> None:
        self.cause = cause
        self.done = tuple(done)
        self.failed = failed
        self.unsent = tuple(unsent)
        self.backup = backup
        self.verb = verb
        self.hints: list[str] = []
        super().__init__(str(cause))

    @property
    def remaining(self) -> tuple[URIRef, ...]:
        """The graphs still to send: the one that failed, then those never sent."""
        return (self.failed, *self.unsent)

    def __str__(self) -> str:
        total = len(self.done) + 1 + len(self.unsent)

        def iris(graphs: Sequence[URIRef]) -> str:
            return " ".join(f"<{g}>" for g in graphs) if graphs else "none"

        lines = [
            str(self.cause),
            f"{self.verb} ({len(self.done)} of {total}): {iris(self.done)}",
            f"failed (its state on the store is not known): <{self.failed}>",
            f"not sent ({len(self.unsent)}): {iris(self.unsent)}",
        ]
        if self.backup is not None:
            lines.append(f"the previous contents of all {total} graphs are in {self.backup}")
        lines.extend(self.hints)
        return "\n  ".join(lines)


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
    action: str = "pushed"

    @property
    def triples(self) -> int:
        """How many triples were sent, over all graphs."""
        return sum(g.local for g in self.graphs)

    def to_table(self) -> str:
        """One line per graph: IRI, local and remote counts, status; then a summary line."""
        from kg.model.render import table

        rows = ([str(g.iri), str(g.local), str(g.remote), str(g.status)] for g in self.graphs)
        status = "PUT status" if self.action == "pushed" else "status"
        text = table(["graph", "triples", "on server", status], rows)
        return (
            f"{text}\n{self.action} {len(self.graphs)} graphs ({self.triples} triples) to "
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

    Triples in the default graph belong to no source and are not sent (the loader refuses a
    data file that states any; a dataset made otherwise may hold some); a graph named by a
    blank node cannot be addressed and is refused.
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
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> int:
    """``PUT`` one graph (replacing what the store held under its IRI); returns the status."""
    response = http_request(
        "PUT",
        graph_url(store_url, graph.iri),
        data=graph.ntriples(),
        headers={"Content-Type": CONTENT_TYPE},
        timeout=timeout,
        max_bytes=max_bytes,
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


def fetch_graph(
    store_url: str,
    iri: URIRef,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    user: str | None = None,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> GraphData | None:
    """What the store holds in graph ``iri`` (``GET``, N-Triples), or ``None`` if it has no
    such graph (404)."""
    response = http_request(
        "GET",
        graph_url(store_url, iri),
        headers={"Accept": CONTENT_TYPE},
        timeout=timeout,
        user=user,
        password=password,
        max_bytes=max_bytes,
        accept={CONTENT_TYPE},
        expected="N-Triples",
        allow=(404,),
        doing=f"GET <{iri}> (backup; nothing replaced yet)",
    )
    if response.status == 404:
        return None
    graph = Graph(bind_namespaces="none")
    try:
        with offline():
            graph.parse(data=response.body, format="nt")
    except Exception as exc:  # the parser's own exception types
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise EndpointError(
            graph_url(store_url, iri),
            f"GET <{iri}> (backup; nothing replaced yet): not N-Triples: {detail}",
        ) from exc
    return GraphData(iri, _lines(graph))


def back_up(
    store_url: str,
    query_url: str,
    iris: Sequence[URIRef],
    folder: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    user: str | None = None,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Save what the store holds in each of ``iris`` into ``folder`` (new or empty; made
    private, 0700): one N-Triples file per graph that exists and a :data:`MANIFEST`. Returns
    ``folder``. No credentials are written."""
    created = not folder.exists()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if any(folder.iterdir()):
            raise PushError(f"{folder}: the backup folder is not empty (give a new one)")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot make the backup folder ({exc.strerror})") from exc
    try:
        return _save(store_url, query_url, iris, folder, timeout, user, password, max_bytes)
    except BaseException:
        # nothing was replaced yet: leave no half-made backup behind
        for written in folder.iterdir():
            written.unlink(missing_ok=True)
        if created:
            folder.rmdir()
        raise


def _save(
    store_url: str,
    query_url: str,
    iris: Sequence[URIRef],
    folder: Path,
    timeout: float,
    user: str | None,
    password: str | None,
    max_bytes: int,
) -> Path:
    entries = []
    for index, iri in enumerate(iris, start=1):
        held = fetch_graph(
            store_url, iri, timeout=timeout, user=user, password=password, max_bytes=max_bytes
        )
        entry: dict[str, object] = {"graph": str(iri), "file": None, "triples": 0}
        if held is not None:
            name = f"graph-{index:03d}.nt"
            _write_private(folder / name, held.ntriples())
            entry.update(file=name, triples=held.triples)
        entries.append(entry)
    manifest = {"format": 1, "store": store_url, "query": query_url, "graphs": entries}
    _write_private(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return folder


def _write_private(path: Path, data: bytes) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the backup ({exc.strerror})") from exc


def read_backup(folder: Path) -> tuple[str, list[tuple[URIRef, GraphData | None]]]:
    """The store a backup was taken from, and each graph with its saved contents (``None``: the
    graph did not exist). A manifest that names a file outside the folder is refused."""
    where = folder / MANIFEST
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
        store = manifest["store"]
        listed = manifest["graphs"]
        if (
            manifest.get("format") != 1
            or not isinstance(store, str)
            or not isinstance(listed, list)
        ):
            raise ValueError("not a backup manifest of format 1")
        graphs: list[tuple[URIRef, GraphData | None]] = []
        for entry in listed:
            iri = URIRef(entry["graph"])
            canonical.check_iri(iri)
            name = entry["file"]
            if name is None:
                graphs.append((iri, None))
                continue
            if not isinstance(name, str) or not _BACKUP_FILE.fullmatch(name):
                raise ValueError(f"file {name!r} is not a backup file name")
            text = (folder / name).read_text(encoding="utf-8")
            lines = tuple(line + "\n" for line in text.splitlines() if line.strip())
            if len(lines) != entry["triples"]:
                raise ValueError(f"{name} holds {len(lines)} triples, not {entry['triples']}")
            graphs.append((iri, GraphData(iri, lines)))
    except OSError as exc:
        raise PushError(
            f"{folder}: cannot read the backup ({exc.strerror}: {exc.filename})"
        ) from exc
    except (ValueError, KeyError, TypeError, KgError) as exc:
        detail = " ".join(str(exc).split())
        raise PushError(f"{where}: not a usable backup manifest ({detail})") from exc
    return store, graphs


def _check_counts(query_url: str, uploads: Sequence[GraphUpload]) -> None:
    wrong = [u for u in uploads if not u.matches]
    if wrong:
        first = wrong[0]
        more = f" (and {len(wrong) - 1} more graphs differ)" if len(wrong) > 1 else ""
        raise EndpointError(
            query_url,
            f"the store counts {first.remote} triples in graph <{first.iri}>, "
            f"but {first.local} were pushed{more}",
        )


def push(
    dataset: Dataset,
    query_url: str,
    *,
    store_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    only: Collection[str] | None = None,
    backup: Path | None = None,
) -> PushReport:
    """Upload every named graph of ``dataset`` (or the ``only`` ones) and check the store's
    counts; see the module.

    ``store_url`` is the Graph Store Protocol endpoint (default: :func:`graph_store_url` of
    ``query_url``). ``user`` and ``password`` go to both endpoints as HTTP Basic
    authentication. ``backup``: a new folder to save the graphs' previous contents in first
    (:func:`back_up`; :func:`restore` puts them back). Raises :class:`PushIncomplete` when a
    ``PUT`` fails after others succeeded or not, and :class:`EndpointError` on the first graph
    whose count differs (naming it, both counts, and how many others differ).
    """
    store_url = check_url(store_url) if store_url is not None else graph_store_url(query_url)
    engine = RemoteEngine(
        query_url, timeout=timeout, user=user, password=password, max_bytes=max_bytes
    )
    graphs = list(named_graphs(dataset))
    if only is not None:
        known = {str(g.iri) for g in graphs}
        for iri in only:
            if iri not in known:
                raise PushError(f"--only <{iri}>: the data has no such graph")
        graphs = [g for g in graphs if str(g.iri) in set(only)]
    credentials = {"user": user, "password": password, "timeout": timeout, "max_bytes": max_bytes}
    if backup is not None:
        back_up(store_url, query_url, [g.iri for g in graphs], backup, **credentials)  # type: ignore[arg-type]
    statuses: list[int] = []
    for index, graph in enumerate(graphs):
        try:
            statuses.append(put_graph(store_url, graph, **credentials))  # type: ignore[arg-type]
        except EndpointError as exc:
            if index == 0 and exc.status is not None:
                raise  # the store refused the first graph: nothing was replaced
            raise PushIncomplete(
                exc,
                done=[g.iri for g in graphs[:index]],
                failed=graph.iri,
                unsent=[g.iri for g in graphs[index + 1 :]],
                backup=backup,
            ) from exc
    uploads = tuple(
        GraphUpload(g.iri, status, g.triples, remote_count(engine, g.iri))
        for g, status in zip(graphs, statuses, strict=True)
    )
    _check_counts(query_url, uploads)
    return PushReport(query_url, store_url, uploads)


def restore(
    backup: Path,
    query_url: str,
    *,
    store_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PushReport:
    """Put the graphs saved in ``backup`` back: ``PUT`` each that existed, ``DELETE`` each that
    did not, then check the counts. The store must be the one the backup was taken from."""
    store_url = check_url(store_url) if store_url is not None else graph_store_url(query_url)
    taken_from, graphs = read_backup(backup)
    if taken_from != store_url:
        raise PushError(
            f"{backup}: the backup was taken from {taken_from}, not {store_url} "
            f"(give --graph-store {taken_from})"
        )
    engine = RemoteEngine(
        query_url, timeout=timeout, user=user, password=password, max_bytes=max_bytes
    )
    uploads = []
    for index, (iri, saved) in enumerate(graphs):
        try:
            if saved is None:
                response = http_request(
                    "DELETE",
                    graph_url(store_url, iri),
                    timeout=timeout,
                    user=user,
                    password=password,
                    max_bytes=max_bytes,
                    allow=(404,),
                    doing=f"DELETE <{iri}>",
                )
                status, local = response.status, 0
            else:
                status = put_graph(
                    store_url,
                    saved,
                    timeout=timeout,
                    user=user,
                    password=password,
                    max_bytes=max_bytes,
                )
                local = saved.triples
        except EndpointError as exc:
            raise PushIncomplete(
                exc,
                done=[g for g, _ in graphs[:index]],
                failed=iri,
                unsent=[g for g, _ in graphs[index + 1 :]],
                backup=None,
                verb="restored",
            ) from exc
        uploads.append(GraphUpload(iri, status, local, remote_count(engine, iri)))
    _check_counts(query_url, uploads)
    return PushReport(query_url, store_url, tuple(uploads), action="restored")


__all__ = [
    "COUNT_QUERY",
    "MANIFEST",
    "PushError",
    "PushIncomplete",
    "back_up",
    "fetch_graph",
    "read_backup",
    "restore",
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
