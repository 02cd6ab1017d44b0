"""The HTTP front: SPARQL 1.1 Protocol checks, resource pages, the query UI, CORS.

Status codes (each error body is one line of ``text/plain``):

=====  ===========================================================================
200    the answer; 204 for an OPTIONS request or an allowed CORS preflight
301    ``/docs`` or a folder of the documentation without its final slash
400    a ``/docs/`` path that leaves the folder or cannot name a file (``..``, NUL, ``//``);
       a syntax error (the parser's message), a query nested too deeply, a ``\\u`` escape that
       spells another, several ``query`` values, a POST with no Content-Type, a body that is
       not UTF-8, an unreadable Content-Length
403    an update in any form, ``SERVICE`` (in any spelling: see :mod:`kg.query.querytext`), ``FROM``
       a graph that is not in the store, a CORS preflight from an origin not on the list
404    no such page, a resource with no description, a document or file not in the served
       ``dist/`` (the ontology, the shapes, ``docs/``)
405    a method other than GET, HEAD, POST or OPTIONS
406    no result format the query can give is acceptable (``Accept``)
411    a chunked request body (send Content-Length)
413    a request body larger than the limit (1 MB by default)
415    a POST whose Content-Type is neither a form nor ``application/sparql-query``
500    the result grew past the size limit (the query is stopped), or the engine failed
503    the deadline passed (waiting and running count), or the worker's memory passed its
       bound: the query is stopped, its worker process killed and replaced
=====  ===========================================================================
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.errors import QueryLimitError, QuerySyntaxError, UnsafeQueryError
from kg.model import canonical
from kg.model.namespaces import BASE, PREFIXES
from kg.query.engines import QueryResult
from kg.query.queries import Query
from kg.query.querytext import Scan, scan
from kg.server import documents, pages
from kg.server.backend import (
    Answer,
    DeadlineExceeded,
    MemoryExceeded,
    QueryJob,
    ResultTooLarge,
    WorkerFailed,
    WorkerPool,
)
from kg.server.negotiation import GRAPH_TYPES, SELECT_TYPES, choose
from kg.server.protocol import ProtocolError, read_request

_DOCUMENT_ROUTE = re.compile(
    r"/(ontology|shapes)(?:(\.ttl|\.jsonld|\.html|\.nt)|/([A-Za-z0-9](?:[A-Za-z0-9._~-]*[A-Za-z0-9_~-])?))?"
)
"""``/ontology``, ``/ontology.ttl`` (a representation by suffix), ``/ontology/0.3.0`` (a version
IRI, or another IRI the document describes, as ``/shapes/core``)."""
NO_DOCS = "no documentation: the served dist/ has no docs/ folder (run kg build or kg docs)"
SHOWN_PATH_SAFE = "/%:@!$&'()*+,;=-._~"

STATIC_DIR = Path(__file__).parent / "static"
SPARQL_PATHS = ("/sparql", "/sparql/", "/query", "/query/")
RESOURCE_TYPES = (
    "text/turtle",
    "application/ld+json",
    "text/html",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
)
"""Media types of a resource page; ``*/*`` gets Turtle, a browser HTML. N-Quads and TriG give
the resource's statements in the named graphs that hold them (the other views: the union)."""
QUAD_TYPES = ("application/n-quads", "application/trig")
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DRAIN_LIMIT_FACTOR = 8
"""A body larger than the limit is read and dropped up to this many times the limit."""
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


@dataclass(frozen=True)
class ServerConfig:
    """How ``kg serve`` listens and what it allows."""

    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0
    """Seconds a query may take, waiting for a free worker included."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to read answers from a browser (``https://example.org``)."""
    workers: int = 2
    """Worker processes: queries that can run at the same time."""
    max_request_bytes: int = 1024 * 1024
    max_result_bytes: int = 16 * 1024 * 1024
    worker_memory: int = 1024 * 1024 * 1024
    """Resident bytes a worker may reach while it runs a query; past that: 503, replaced."""
    isolated: bool = True
    """Workers in network namespaces of their own (``--no-network-isolation`` turns it off)."""

    @property
    def url(self) -> str:
        """The front's base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


class Refusal(Exception):
    """An answer other than 200: status and one line of text."""

    def __init__(self, status: int, message: str, close: bool = False) -> None:
        self.status = status
        self.message = message
        self.close = close
        super().__init__(message)


class Front(ThreadingHTTPServer):
    """The listening server; its handler threads share the pool and what never changes."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    """The listen backlog: with the default of 5, a burst of clients loses SYNs (1 s retries)."""

    def __init__(
        self,
        config: ServerConfig,
        pool: WorkerPool,
        graphs: frozenset[str],
        catalogue: Callable[[], bytes],
        dist: Path | None = None,
    ) -> None:
        self.config = config
        self.pool = pool
        self.graphs = graphs
        self.dist = dist
        """The served build: its ontology, shapes, context and ``docs/`` are answered as files."""
        self._documents: dict[str, documents.Document] = {}
        self._schemes: dict[URIRef, Graph] = {}
        self._cache_lock = threading.Lock()
        self._catalogue_source = catalogue
        self._catalogue: bytes | None = None
        self._catalogue_ready = threading.Event()
        threading.Thread(target=self._load_catalogue, daemon=True).start()
        self.static = {p.name: p for p in sorted(STATIC_DIR.iterdir()) if p.suffix in STATIC_TYPES}
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), Handler)

    def _load_catalogue(self) -> None:
        """Read the named queries in the background (rdflib parses each: seconds)."""
        try:
            self._catalogue = self._catalogue_source()
        except Exception as error:  # a broken query file must not stop the endpoint
            print(f"kg serve: the query UI lists no queries: {error}", file=sys.stderr)
            self._catalogue = catalogue_bytes([])
        finally:
            self._catalogue_ready.set()

    def catalogue(self, timeout: float = 60.0) -> bytes | None:
        """The UI's catalogue as JSON, once read (``None`` if not within ``timeout``)."""
        self._catalogue_ready.wait(timeout)
        return self._catalogue

    def document(self, kind: documents.Kind) -> documents.Document | None:
        """The ontology or the shapes of the served ``dist/``, read when first asked for
        (``None`` when the build has no such file)."""
        with self._cache_lock:
            found = self._documents.get(kind.name)
            if found is None and self.dist is not None and (self.dist / kind.file).is_file():
                found = documents.Document.read(kind, self.dist / kind.file)
                self._documents[kind.name] = found
            return found

    def scheme(self, iri: URIRef) -> Graph | None:
        """A code list's graph, once read from the store (which never changes)."""
        with self._cache_lock:
            return self._schemes.get(iri)

    def keep_scheme(self, iri: URIRef, graph: Graph) -> None:
        with self._cache_lock:
            self._schemes[iri] = graph


class Handler(BaseHTTPRequestHandler):
    """One request: route it, and always answer with CORS headers where the origin is allowed."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """Headers and body go out as two writes: with Nagle's algorithm the second waits for the
    client's delayed ACK, 40 ms on every answer (measured: p50 44 ms under load)."""
    server_version = "samarbeidsgrafen"
    sys_version = ""
    timeout = 30
    server: Front

    def version_string(self) -> str:
        return self.server_version

    # ---- answering ---------------------------------------------------------------------------

    def _cors(self) -> list[tuple[str, str]]:
        origin = self.headers.get("Origin")
        allowed = self.server.config.cors_origins
        if origin is not None and origin in allowed:
            return [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", "Content-Type, Content-Length"),
            ]
        return []

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: list[tuple[str, str]] | None = None,
        vary: tuple[str, ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        varies = list(vary) + (["Origin"] if self.server.config.cors_origins else [])
        if varies:
            self.send_header("Vary", ", ".join(varies))
        for name, value in [*self._cors(), *(headers or [])]:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, refusal: Refusal) -> None:
        if refusal.close:
            self.close_connection = True
        headers = [("Allow", "GET, HEAD, POST, OPTIONS")] if refusal.status == 405 else []
        line = " ".join(refusal.message.split()) + "\n"
        self._send(refusal.status, line.encode("utf-8"), "text/plain; charset=utf-8", headers)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # ---- methods -----------------------------------------------------------------------------

    def _handle(self) -> None:
        try:
            self._route()
        except Refusal as refusal:
            self._refuse(refusal)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # one broken request must not stop the server
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self._refuse(Refusal(500, "internal error: see the server's log"))

    do_GET = do_POST = do_HEAD = _handle

    def do_OPTIONS(self) -> None:
        """CORS preflight (from an allowed origin only), else the allowed methods."""
        self._discard_body()
        if self.headers.get("Access-Control-Request-Method") is not None:
            if not self._cors():
                self._refuse(Refusal(403, "CORS preflight refused: origin not allowed"))
                return
            headers = [
                ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Accept, Content-Type"),
                ("Access-Control-Max-Age", "600"),
            ]
            self._send(204, b"", "text/plain; charset=utf-8", headers)
            return
        self._send(204, b"", "text/plain; charset=utf-8", [("Allow", "GET, HEAD, POST, OPTIONS")])

    def _not_allowed(self) -> None:
        self._discard_body()
        self._refuse(Refusal(405, f"method {self.command} is not allowed (read-only server)"))

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    # ---- request bodies ----------------------------------------------------------------------

    def _content_length(self) -> int:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise Refusal(411, "send the body with a Content-Length", close=True)
        raw = self.headers.get("Content-Length")
        if raw is None:
            return 0
        try:
            length = int(raw)
        except ValueError:
            raise Refusal(400, "unreadable Content-Length", close=True) from None
        if length < 0:
            raise Refusal(400, "unreadable Content-Length", close=True)
        return length

    def _body(self) -> bytes:
        length = self._content_length()
        limit = self.server.config.max_request_bytes
        if length > limit:
            # Read (and drop) a body up to a few times the limit, so that the client, still
            # sending, gets the answer rather than a broken connection; a larger one is cut.
            drained = length <= DRAIN_LIMIT_FACTOR * limit and self._drain(length)
            raise Refusal(413, f"request body larger than {limit} bytes", close=not drained)
        return self.rfile.read(length) if length else b""

    def _drain(self, length: int) -> bool:
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                return False
            length -= len(chunk)
        return True

    def _discard_body(self) -> None:
        try:
            self._body()
        except Refusal:
            self.close_connection = True

    # ---- routing -----------------------------------------------------------------------------

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path in SPARQL_PATHS:
            self._sparql(parts.query)
            return
        if self.command == "POST":
            self._discard_body()
            raise Refusal(405, f"POST is not allowed on {path}")
        if path == "/favicon.ico":  # browsers ask for it on pages that name no icon (an SVG)
            self._send(204, b"", "image/x-icon")
        elif path == "/":
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(path[len("/static/") :])
        elif path == "/api/queries":
            catalogue = self.server.catalogue()
            if catalogue is None:
                raise Refusal(503, "the named queries are still being read; try again")
            self._send(200, catalogue, "application/json; charset=utf-8")
        elif path.startswith(("/id/", "/vocab/")):
            iri = pages.resource_iri(path)
            if iri is not None:
                self._resource(iri)
                return
            scheme = pages.scheme_iri(path)
            if scheme is None:
                raise Refusal(404, f"no resource at {_shown(path)}")
            self._scheme(scheme)
        elif path == "/docs":
            self._redirect("/docs/")
        elif path.startswith("/docs/"):
            self._docs(path)
        elif path == "/context/v1.jsonld":
            self._context()
        elif (route := _DOCUMENT_ROUTE.fullmatch(path)) is not None:
            self._document(documents.KINDS[route.group(1)], route.group(2), route.group(3))
        else:
            raise Refusal(404, f"no page at {_shown(path)}")

    def _static(self, name: str) -> None:
        found = self.server.static.get(name)
        if found is None:
            raise Refusal(404, f"no file {name}")
        headers = [("Cache-Control", "no-cache")]
        if found.suffix == ".html":
            headers.append(("Content-Security-Policy", CSP))
        self._send(200, found.read_bytes(), STATIC_TYPES[found.suffix], headers)

    def _redirect(self, location: str) -> None:
        body = f"moved to {location}\n".encode()
        self._send(301, body, "text/plain; charset=utf-8", [("Location", location)])

    # ---- documents, code lists, docs/ -------------------------------------------------------

    def _document(self, kind: documents.Kind, suffix: str | None, segment: str | None) -> None:
        """The ontology or the shapes, whole: by suffix, else by ``Accept``."""
        document = self.server.document(kind)
        if document is None:
            raise Refusal(
                404, f"no {kind.name} here: the served dist/ has no {kind.file} (run kg build)"
            )
        if segment is not None:
            iri = f"{BASE}{kind.name}/{segment}"
            if iri not in document.versions() and not document.names(URIRef(iri)):
                known = sorted(document.versions())
                also = f" (the {kind.name}'s version IRIs: {', '.join(known)})" if known else ""
                raise Refusal(404, f"nothing is known about <{iri}>{also}")
        vary: tuple[str, ...] = ()
        if suffix is not None:
            chosen = documents.SUFFIX_TYPES[suffix]
        else:
            vary = ("Accept",)
            accept = self.headers.get("Accept")
            chosen_type = choose(accept, documents.DOCUMENT_TYPES)
            if chosen_type is None:
                raise Refusal(
                    406,
                    f"cannot give the {kind.name} in {accept}: use one of "
                    f"{', '.join(documents.DOCUMENT_TYPES)}",
                )
            chosen = chosen_type
        headers = [("Content-Security-Policy", CSP)] if chosen == "text/html" else []
        self._send(200, document.render(chosen), _with_charset(chosen), headers, vary=vary)

    def _context(self) -> None:
        """The JSON-LD context of the published JSON-LD (its IRI is in every frame)."""
        from kg.model import jsonld

        built = self.server.dist / "context.jsonld" if self.server.dist is not None else None
        source = built if built is not None and built.is_file() else jsonld.context_file()
        self._send(200, source.read_bytes(), "application/ld+json; charset=utf-8")

    def _scheme_graph(self, iri: URIRef) -> Graph:
        """A code list with its concepts (cached: the store never changes); empty if unknown."""
        kept = self.server.scheme(iri)
        if kept is not None:
            return kept
        answer = self._ask(documents.scheme_query(iri), "application/n-triples", [])
        if answer.status != 200:
            raise Refusal(500, f"cannot describe {iri}: HTTP {answer.status}")
        graph = Graph(bind_namespaces="none")
        graph.parse(data=answer.body.decode("utf-8"), format="nt")
        if (iri, None, None) in graph:
            self.server.keep_scheme(iri, graph)
        return graph

    def _scheme(self, iri: URIRef) -> None:
        accept = self.headers.get("Accept")
        chosen = choose(accept, documents.DOCUMENT_TYPES)
        if chosen is None:
            raise Refusal(
                406,
                f"cannot describe it in {accept}: use one of {', '.join(documents.DOCUMENT_TYPES)}",
            )
        graph = self._scheme_graph(iri)
        if (iri, None, None) not in graph:
            raise Refusal(404, f"nothing is known about <{iri}>")
        headers = []
        if chosen == "text/html":
            body = documents.scheme_html(iri, graph).encode("utf-8")
            headers.append(("Content-Security-Policy", CSP))
        elif chosen == "text/turtle":
            body = QueryResult("construct", graph=graph).to_turtle().encode("utf-8")
        elif chosen == "application/ld+json":
            body = QueryResult("construct", graph=graph).to_jsonld().encode("utf-8")
        else:
            body = pages.graph_bytes(graph, chosen)
        self._send(200, body, _with_charset(chosen), headers, vary=("Accept",))

    def _docs(self, path: str) -> None:
        """A file of ``dist/docs/``; ``/docs/`` is its ``index.html``."""
        dist = self.server.dist
        root = dist / "docs" if dist is not None else None
        if root is None or not root.is_dir():
            raise Refusal(404, NO_DOCS)
        shown = _shown(path)
        try:
            found = documents.docs_file(root, path)
        except documents.DocsRefused:
            raise Refusal(
                400,
                f"refused path {shown}: a docs/ path names a file inside the folder "
                "(no '.' or '..' segment, empty segment, backslash or control character)",
            ) from None
        except documents.DocsMissing:
            raise Refusal(404, f"no file at {shown}") from None
        except IsADirectoryError:
            self._redirect(shown + "/")
            return
        headers = [("Cache-Control", "no-cache")]
        if found.suffix.lower() in documents.ACTIVE_SUFFIXES:
            headers.append(("Content-Security-Policy", CSP))
        self._send(200, found.read_bytes(), documents.docs_type(found), headers)

    # ---- SPARQL ------------------------------------------------------------------------------

    def _sparql(self, url_query: str) -> None:
        body = self._body() if self.command == "POST" else b""
        method = "GET" if self.command == "HEAD" else self.command
        try:
            request = read_request(method, url_query, self.headers.get("Content-Type"), body)
        except ProtocolError as error:
            raise Refusal(error.status, error.message) from None
        if request.query is None:
            if method == "POST":
                raise Refusal(400, "no query: send query=... or an application/sparql-query body")
            self._service_description()
            return
        deadline = time.monotonic() + self.server.config.timeout
        judged = self._check(request.query)
        available = SELECT_TYPES if judged.kind in ("select", "ask") else GRAPH_TYPES
        accept = self.headers.get("Accept")
        chosen = choose(accept, available)
        if chosen is None:
            raise Refusal(406, f"cannot answer in {accept}: use one of {', '.join(available)}")
        left = deadline - time.monotonic()
        base = self._endpoint_url()
        dataset = request.dataset_parameters()
        for name, value in dataset:
            if not _ABSOLUTE_IRI.fullmatch(value):
                raise Refusal(400, f"{name} is not an absolute IRI: {value!r}")
        answer = self._ask(judged.text, chosen, dataset, left, base)
        if answer.status == 400:  # Oxigraph's parser: "error at LINE:COLUMN: expected ..."
            message = answer.body.decode("utf-8", errors="replace").removeprefix("error at ")
            raise Refusal(400, f"syntax error: {message}")
        if answer.status != 200:
            message = answer.body.decode("utf-8", errors="replace")
            status = answer.status if 400 <= answer.status < 500 else 500
            raise Refusal(status, f"the query engine refused the query: {message}")
        self._send(200, answer.body, answer.content_type, vary=("Accept",))

    def _deadline_passed(self) -> Refusal:
        timeout = self.server.config.timeout
        return Refusal(503, f"query stopped: it did not finish within the {timeout:g} s deadline")

    def _check(self, query: str) -> Scan:
        """The normalised query, judged safe (:func:`kg.query.querytext.scan`); else refuse.

        What the worker then runs is this normalised text, never the one that came in.
        """
        try:
            judged = scan(query, self.server.graphs)
            if "service" in judged.text.lower():
                second_reading(judged.text)
            return judged
        except UnsafeQueryError as error:
            raise Refusal(403, str(error)) from None
        except QuerySyntaxError as error:
            # A located error says "LINE:COL: syntax error: ..." and then the line and a caret:
            # the answer keeps its first line, in the form Oxigraph's own errors have.
            said = str(error).split("\n", 1)[0]
            if "syntax error: " in said:
                place, _, what = said.partition(": syntax error: ")
                said = f"{place}: {what}"
            raise Refusal(400, f"syntax error: {said}") from None
        except QueryLimitError as error:
            raise Refusal(400, str(error)) from None

    def _ask(
        self,
        query: str,
        accept: str,
        dataset: list[tuple[str, str]],
        timeout: float | None = None,
        base: str | None = None,
    ) -> Answer:
        config = self.server.config
        left = config.timeout if timeout is None else timeout
        if left <= 0:
            raise self._deadline_passed()
        job = QueryJob(query, accept, dataset, config.max_result_bytes, base)
        try:
            return self.server.pool.query(job, left)
        except DeadlineExceeded:
            raise self._deadline_passed() from None
        except ResultTooLarge:
            raise Refusal(
                500,
                f"query stopped: its result is larger than {config.max_result_bytes} bytes "
                "(add a LIMIT)",
            ) from None
        except MemoryExceeded:
            megabytes = config.worker_memory // (1024 * 1024)
            raise Refusal(
                503, f"query stopped: it needed more than {megabytes} MiB of memory"
            ) from None
        except WorkerFailed as error:
            raise Refusal(
                500, f"the query engine failed on this query ({error}); it was replaced"
            ) from None

    def _endpoint_url(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.fullmatch(host):
            bound = replace(self.server.config, port=self.server.server_address[1])
            return bound.url + "sparql"
        return f"http://{host}/sparql"

    def _service_description(self) -> None:
        accept = self.headers.get("Accept")
        chosen = choose(accept, GRAPH_TYPES[:4])
        if chosen is None:
            raise Refusal(406, f"cannot describe the service in {accept}: use text/turtle")
        graph = pages.service_description(self._endpoint_url(), self.server.graphs)
        body = pages.graph_bytes(graph, chosen)
        self._send(200, body, _with_charset(chosen), vary=("Accept",))

    # ---- resources ---------------------------------------------------------------------------

    def _resource(self, iri: URIRef) -> None:
        accept = self.headers.get("Accept")
        chosen = choose(accept, RESOURCE_TYPES)
        if chosen is None:
            raise Refusal(406, f"cannot describe it in {accept}: use one of text/turtle, ...")
        if chosen in QUAD_TYPES:
            self._resource_quads(iri, chosen)
            return
        answer = self._ask(pages.description_query(iri), "application/n-triples", [])
        if answer.status != 200:
            raise Refusal(500, f"cannot describe {iri}: HTTP {answer.status}")
        graph = Graph(bind_namespaces="none")
        graph.parse(data=answer.body.decode("utf-8"), format="nt")
        if (iri, None, None) not in graph:
            raise Refusal(404, f"nothing is known about <{iri}>")
        result = QueryResult("construct", graph=graph)
        if chosen == "text/turtle":
            body = result.to_turtle().encode("utf-8")
        elif chosen == "application/ld+json":
            body = result.to_jsonld().encode("utf-8")
        elif chosen == "application/n-triples":
            body = pages.graph_bytes(graph, chosen)
        else:
            schemes = [(s, self._scheme_graph(s)) for s in documents.schemes_of(graph, iri)]
            extra = documents.siblings_html(iri, schemes)
            page = pages.resource_html(iri, graph, self._inbound(iri), self._statements(iri), extra)
            body = page.encode("utf-8")
            self._send(
                200,
                body,
                "text/html; charset=utf-8",
                [("Content-Security-Policy", CSP)],
                vary=("Accept",),
            )
            return
        self._send(200, body, _with_charset(chosen), vary=("Accept",))

    def _resource_quads(self, iri: URIRef, chosen: str) -> None:
        quads = pages.resource_quads(iri, self._statements(iri))
        if not quads:
            raise Refusal(404, f"nothing is known about <{iri}>")
        if chosen == "application/n-quads":
            text = canonical.nquads(quads)
        else:
            text = canonical.trig(quads, PREFIXES)
        self._send(200, text.encode("utf-8"), _with_charset(chosen), vary=("Accept",))

    def _statements(self, iri: URIRef) -> pages.Statements:
        """The resource's statements in their graphs, with their sources: one query."""
        answer = self._ask(pages.sources_query(iri), "application/sparql-results+json", [])
        if answer.status != 200:
            raise Refusal(500, f"cannot read the sources of {iri}: HTTP {answer.status}")
        return pages.statements_of(answer.body)

    def _inbound(self, iri: URIRef) -> list[tuple[Node, Node, str | None]]:
        answer = self._ask(pages.inbound_query(iri), "application/sparql-results+json", [])
        if answer.status != 200:
            return []
        rows: dict[tuple[str, str], str | None] = {}
        for binding in json.loads(answer.body)["results"]["bindings"]:
            if binding["s"]["type"] != "uri":
                continue
            key = (binding["s"]["value"], binding["p"]["value"])
            name = binding.get("name", {}).get("value")
            if key not in rows or (rows[key] is None and name):
                rows[key] = name
        return [(URIRef(s), URIRef(p), name) for (s, p), name in rows.items()]


SECOND_READING_CHARS = 64 * 1024
"""The longest text that mentions ``service`` the front reads a second time (with rdflib)."""


def second_reading(text: str) -> None:
    """A text that has the letters ``service`` anywhere (a string, an IRI, a name) is also
    parsed with rdflib's full grammar and refused if that finds a ``SERVICE``, or cannot parse
    it: two independent readings must both miss it (and the workers cannot connect anyway).
    Texts without those letters cannot call a service in any reading: the check costs them
    nothing."""
    if len(text) > SECOND_READING_CHARS:
        raise QueryLimitError(
            f"a query that mentions 'service' may be at most {SECOND_READING_CHARS} characters"
        )
    from kg.query.queries import parse

    parse(text)


def _shown(path: str) -> str:
    """A request path as an answer may repeat it: control characters and spaces encoded."""
    return quote(path, safe=SHOWN_PATH_SAFE)


def _with_charset(media_type: str) -> str:
    textual = media_type.startswith("text/") or media_type in (
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/ld+json",
    )
    return f"{media_type}; charset=utf-8" if textual else media_type


def catalogue_bytes(queries: Iterable[Query]) -> bytes:
    """The UI's catalogue as JSON bytes."""
    return json.dumps(pages.catalogue_json(queries), ensure_ascii=False).encode("utf-8")


__all__ = ["CSP", "Front", "Handler", "Refusal", "ServerConfig", "catalogue_bytes"]
