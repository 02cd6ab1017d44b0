"""Query any SPARQL 1.1 endpoint (Fuseki, GraphDB, Virtuoso, QLever, Oxigraph) like a local engine.

:class:`RemoteEngine` sends a query through SPARQLWrapper by the SPARQL 1.1 Protocol and reads
the answer into the same :class:`kg.engines.QueryResult` as the in-process engines, with typed
literals, language tags and blank nodes. What it does, and why (convention 9):

- **Content negotiation only.** SPARQLWrapper adds ``format``, ``output`` and ``results``
  parameters to the URL unless told not to (SPARQLWrapper issues 82, 132, 164; endpoints answer
  them with 400); :meth:`~SPARQLWrapper.Wrapper.SPARQLWrapper.setOnlyConneg` turns them off,
  and the ``Accept`` header names exactly what is read back: SPARQL JSON results for SELECT
  and ASK, N-Triples (or Turtle) for CONSTRUCT and DESCRIBE.
- **GET for short queries, POST for long ones.** GET is the protocol's plain form and what
  caches and read-only proxies pass; a URL over a few kilobytes is refused by many servers
  (414, SPARQLWrapper issue 83), so a query whose URL-encoded form exceeds
  :data:`POST_THRESHOLD` bytes goes as a form-encoded POST (``query=`` in the body). That form
  is the one every SPARQL 1.1 server accepts; SPARQLWrapper's direct POST
  (``application/sparql-query``) would also leave a bare ``?`` on the URL.
- **An explicit timeout**, in seconds, on every socket operation (connect and each read).
  SPARQLWrapper's own ``setTimeout`` truncates it to whole seconds, and 0.5 becomes no
  timeout at all; the request is therefore sent here (see :class:`_Client`), which also keeps
  the HTTP status and the body of an error response.
- **Errors** (refused, unreachable, timed out, HTTP 4xx/5xx, an unreadable answer) raise
  :class:`kg.errors.EndpointError`, one line naming the URL, the status and the start of the
  server's message.

Parameters cannot travel as rdflib bindings, so :func:`bind_values` writes them as a ``VALUES``
block at the start of the query's outermost group, each term serialised by rdflib
(``term.n3()``) from the typed, validated values of :meth:`kg.queries.Query.bindings`, never
from the user's text. Everything in that group (its ``FILTER``, ``BIND``, ``OPTIONAL``) sees the
values as pre-bound; a group nested in it (a ``UNION`` branch, a sub-``SELECT``) is evaluated
before the join, so a parameter that only such a group uses is not bound there. The catalogue's
queries keep their parameters in the outer group, and the cross-engine tests prove the answers
equal.

>>> from rdflib import Variable
>>> from kg.namespaces import XSD
>>> year = {Variable("year"): Literal("2010", datatype=XSD.gYear)}
>>> print(bind_values("SELECT ?m WHERE { ?m ?p ?d FILTER(YEAR(?d) = ?year) }", year))
SELECT ?m WHERE { VALUES (?year) { ("2010"^^<http://www.w3.org/2001/XMLSchema#gYear>) } ?m ?p ?d ...
"""

from __future__ import annotations

import base64
import http.client
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.term import Node
from SPARQLWrapper import ASK, CONSTRUCT, DESCRIBE, GET, POST, SELECT, URLENCODED, SPARQLWrapper

from kg import __version__
from kg.dataset import offline
from kg.engines import QueryResult
from kg.errors import EndpointError, ParameterError, QueryError
from kg.namespaces import bind_prefixes
from kg.queries import check_safe
from kg.querytext import QUERY_FORMS, significant

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a remote endpoint (connect, and each read) unless told otherwise."""

POST_THRESHOLD = 2000
"""A query whose URL-encoded form is longer than this many bytes is POSTed rather than GOT."""

USER_AGENT = f"samarbeidsgrafen/{__version__} (kg; SPARQLWrapper)"

SELECT_ACCEPT = "application/sparql-results+json"
"""What a SELECT or ASK asks for (the answer may also come as SPARQL XML; both are read)."""
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
"""What a CONSTRUCT or DESCRIBE asks for."""

_RESULT_SYNTAX = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
}
_GRAPH_SYNTAX = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
_QUERY_TYPE = {"select": SELECT, "ask": ASK, "construct": CONSTRUCT, "describe": DESCRIBE}


# --------------------------------------------------------------------------------------------
# Binding parameters as a VALUES block


_VARNAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]+")
_QUERY_FORMS = set(QUERY_FORMS)
_ESCAPE_LIKE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")


def where_group_start(text: str) -> int | None:
    """Offset of the ``{`` that opens the query's outermost WHERE group, or ``None`` if it has
    none (``DESCRIBE <x>``, or the short form ``CONSTRUCT WHERE { … }``, whose group may hold
    triples only).

    The query form keyword is found after the prologue; a CONSTRUCT template is skipped; the
    group is the first ``{`` not inside parentheses (a projection may hold ``EXISTS { … }``).

    >>> text = "PREFIX a: <urn:{>  # {\\nSELECT (EXISTS { ?x ?y ?z } AS ?e) WHERE { ?s ?p ?o }"
    >>> text[where_group_start(text):]
    '{ ?s ?p ?o }'
    >>> where_group_start("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    29
    >>> where_group_start("CONSTRUCT WHERE { ?s ?p ?o }") is None
    True
    """
    found = significant(text)
    if any(t.kind == "punct" and t.text == "\\" for t in found):
        # SPARQL expands \u escapes anywhere before parsing: ``\u007B`` may be a brace.
        raise QueryError(
            "cannot bind parameters into a query with \\u escapes outside strings and IRIs "
            "(write the characters themselves)"
        )
    form_at = next(
        (i for i, t in enumerate(found) if t.kind == "word" and t.text.upper() in _QUERY_FORMS),
        None,
    )
    if form_at is None:
        return None
    rest = found[form_at + 1 :]
    if found[form_at].text.upper() == "CONSTRUCT":
        if not rest or rest[0].text != "{":
            return None  # CONSTRUCT WHERE { … }: the template is the pattern
        depth = 0
        for index, token in enumerate(rest):
            depth += {"{": 1, "}": -1}.get(token.text, 0) if token.kind == "punct" else 0
            if depth == 0:
                rest = rest[index + 1 :]
                break
    parentheses = 0
    for token in rest:
        if token.kind != "punct":
            continue
        if token.text == "(":
            parentheses += 1
        elif token.text == ")":
            parentheses -= 1
        elif token.text == "{" and parentheses == 0:
            return token.start
    return None


def values_block(bindings: Mapping[Variable, Node]) -> str:
    """A one-row ``VALUES`` block for ``bindings``, each term written by rdflib's ``n3()``.

    >>> from kg.namespaces import ID
    >>> print(values_block({Variable("org"): ID["organization/oyer"], Variable("q"): Literal('"')}))
    VALUES (?org ?q) { (<https://w3id.org/samarbeidsgrafen/id/organization/oyer> "\\"") }
    """
    names = []
    terms = []
    for variable, term in bindings.items():
        if not _VARNAME.fullmatch(str(variable)):
            raise ParameterError(f"'{variable}' is not a SPARQL variable name")
        if isinstance(term, BNode) or not isinstance(term, URIRef | Literal):
            raise ParameterError(
                f"parameter '{variable}': a remote endpoint takes IRIs and literals, not {term!r}"
            )
        try:
            written = term.n3()
        except Exception as exc:  # rdflib refuses an IRI it cannot write with a bare Exception
            raise ParameterError(f"parameter '{variable}': cannot write {term!r}") from exc
        if _ESCAPE_LIKE.search(written):
            # SPARQL expands \u escapes before parsing, anywhere: the value would change.
            raise ParameterError(
                f"parameter '{variable}': a value with a backslash followed by u and hex "
                "digits cannot be sent to an endpoint unchanged"
            )
        names.append(f"?{variable}")
        terms.append(written)
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind_values(text: str, bindings: Mapping[Variable, Node]) -> str:
    """``text`` with ``bindings`` as a ``VALUES`` block opening its outermost WHERE group.

    A query without such a group (see :func:`where_group_start`) gets the block as its final
    ``VALUES`` clause instead, which is the same there: such a pattern has no filters. The
    result is parsed again, so a text this cannot bind is a clear error, never a wrong query.

    >>> print(bind_values("ASK { ?s ?p ?o }", {Variable("o"): Literal(1)}))
    ASK { VALUES (?o) { ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) } ?s ?p ?o }
    """
    if not bindings:
        return text
    block = values_block(bindings)
    start = where_group_start(text)
    if start is None:
        bound = f"{text.rstrip()}\n{block}\n"
    else:
        bound = f"{text[: start + 1]} {block}{text[start + 1 :]}"
    try:
        check_safe(bound)
    except QueryError as exc:
        raise QueryError(f"cannot bind the parameters for a remote endpoint: {exc}") from None
    return bound


# --------------------------------------------------------------------------------------------
# HTTP


def check_url(url: str) -> str:
    """``url`` if it is an absolute ``http`` or ``https`` URL (never ``file:`` and the like).

    >>> check_url("file:///etc/passwd")
    Traceback (most recent call last):
    kg.errors.EndpointError: file:///etc/passwd: not an http(s) URL
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(url, "not an http(s) URL")
    return url


def basic_auth(user: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic authentication.

    >>> basic_auth("kg", "secret")
    'Basic a2c6c2VjcmV0'
    """
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def endpoint_error(url: str, exc: BaseException, timeout: float, doing: str = "") -> EndpointError:
    """The :class:`EndpointError` for what went wrong talking to ``url``.

    ``doing`` says what was asked (``"PUT <graph>"``) when a message should name it.
    """
    prefix = f"{doing}: " if doing else ""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            body = exc.read().decode("utf-8", errors="replace")
        except Exception:  # the body may be gone with the connection
            body = ""
        said = exc.reason if isinstance(exc.reason, str) else ""
        return EndpointError(url, f"{prefix}{said or 'error'}".strip(), status=exc.code, body=body)
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return EndpointError(url, f"{prefix}no answer within {_seconds(timeout)} (timed out)")
    if isinstance(reason, ConnectionRefusedError):
        return EndpointError(url, f"{prefix}connection refused (is the endpoint running?)")
    if isinstance(reason, socket.gaierror):
        return EndpointError(url, f"{prefix}unknown host ({reason.strerror or reason})")
    if isinstance(reason, http.client.HTTPException | ConnectionError):
        detail = " ".join(str(reason).split()) or type(reason).__name__
        return EndpointError(url, f"{prefix}the connection broke ({detail})")
    detail = " ".join(str(reason).split()) or type(reason).__name__
    return EndpointError(url, f"{prefix}cannot reach the endpoint ({detail})")


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, media type (no parameters, lower case) and body."""

    status: int
    media_type: str
    body: bytes


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _read(response: Any, url: str, timeout: float, doing: str = "") -> Response:
    try:
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise endpoint_error(url, exc, timeout, doing) from exc
    finally:
        response.close()
    return Response(response.status, _media_type(response.headers.get("Content-Type")), body)


def http_request(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    user: str | None = None,
    password: str | None = None,
    doing: str = "",
) -> Response:
    """Send one HTTP request (urllib) and return the answer; an error status, a refused or
    broken connection, or no answer within ``timeout`` seconds raises :class:`EndpointError`.
    """
    check_url(url)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("User-Agent", USER_AGENT)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if user is not None:
        request.add_header("Authorization", basic_auth(user, password or ""))
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:  # URLError and HTTPError are OSErrors
        raise endpoint_error(url, exc, timeout, doing) from exc
    return _read(response, url, timeout, doing)


class _Client(SPARQLWrapper):
    """SPARQLWrapper building the request (method, parameters, headers, credentials); the
    request is sent here so that the timeout stays a float and an HTTP error keeps its status
    and body (SPARQLWrapper turns them into exceptions that keep neither as data)."""

    request_timeout: float = DEFAULT_TIMEOUT

    def _query(self) -> tuple[Any, str]:
        request = self._createRequest()
        return urllib.request.urlopen(request, timeout=self.request_timeout), self.returnFormat


# --------------------------------------------------------------------------------------------
# The engine


class RemoteEngine:
    """A SPARQL 1.1 endpoint at ``url`` as an :class:`kg.engines.Engine`.

    ``timeout`` is in seconds (connect, and each read). ``user`` and ``password`` are sent as
    HTTP Basic authentication. ``update_url`` is where SPARQL Update would go; queries never
    update (:func:`kg.queries.check_safe` refuses it), and ``kg push`` uses the Graph Store
    Protocol, so it is kept for callers that need to know.
    """

    name = "remote"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        update_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.url = check_url(url)
        self.update_url = check_url(update_url) if update_url is not None else None
        if not timeout > 0:
            raise QueryError(f"the timeout must be a positive number of seconds, not {timeout}")
        self.timeout = float(timeout)
        self.user = user
        self.password = password

    def __repr__(self) -> str:
        return f"RemoteEngine({self.url!r}, timeout={self.timeout:g})"

    def query(self, text: str, bindings: Mapping[Variable, Node] | None = None) -> QueryResult:
        """Check ``text``, bind ``bindings`` as a ``VALUES`` block, send it and read the answer."""
        parsed = check_safe(text)
        final = bind_values(parsed.text, bindings or {})  # the normalised text: what was judged
        response = self.send(final, parsed.kind)
        return self._result(response, parsed.kind)

    def client(self, text: str, kind: str) -> SPARQLWrapper:
        """The SPARQLWrapper request for ``text`` (a query of ``kind``), ready to send."""
        client = _Client(self.url, updateEndpoint=self.update_url, agent=USER_AGENT)
        client.setOnlyConneg(True)  # no format=, output=, results= on the URL
        with warnings.catch_warnings():  # it guesses the query type by regex, and may warn
            warnings.simplefilter("ignore")
            client.setQuery(text)
        client.queryType = _QUERY_TYPE[kind]  # the parser's answer, not the regex's
        client.addCustomHttpHeader(
            "Accept", SELECT_ACCEPT if kind in ("select", "ask") else GRAPH_ACCEPT
        )
        encoded = urllib.parse.urlencode({"query": text})
        if len(encoded.encode("ascii")) > POST_THRESHOLD:
            client.setMethod(POST)
            client.setRequestMethod(URLENCODED)
        else:
            client.setMethod(GET)
        client.request_timeout = self.timeout
        if self.user is not None:
            client.setCredentials(self.user, self.password or "")
        return client

    def send(self, text: str, kind: str) -> Response:
        """Send ``text`` and return the raw answer (errors as :class:`EndpointError`)."""
        client = self.client(text, kind)
        try:
            response = client.query().response
        except (OSError, http.client.HTTPException) as exc:
            raise endpoint_error(self.url, exc, self.timeout) from exc
        return _read(response, self.url, self.timeout)

    def _result(self, response: Response, kind: str) -> QueryResult:
        tabular = kind in ("select", "ask")
        syntax = (_RESULT_SYNTAX if tabular else _GRAPH_SYNTAX).get(response.media_type)
        if syntax is None:
            expected = "SPARQL results" if tabular else "an RDF graph"
            raise EndpointError(
                self.url,
                f"answered {response.media_type or 'without a Content-Type'}, not {expected}",
                status=response.status,
                body=response.body[:200].decode("utf-8", errors="replace"),
            )
        try:
            with offline():
                if tabular:
                    result = QueryResult.parse(response.body, syntax)
                else:
                    graph = bind_prefixes(Graph(bind_namespaces="none"))
                    graph.parse(data=response.body, format=syntax)
                    result = QueryResult("construct", graph=graph)
        except Exception as exc:  # every parser has its own exception types
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise EndpointError(
                self.url, f"sent an answer that cannot be read as {syntax}: {detail}"
            ) from exc
        if tabular and result.kind != kind:
            raise EndpointError(self.url, f"answered a {kind.upper()} with a {result.kind} result")
        return result


__all__ = [
    "DEFAULT_TIMEOUT",
    "POST_THRESHOLD",
    "RemoteEngine",
    "Response",
    "basic_auth",
    "bind_values",
    "check_url",
    "endpoint_error",
    "http_request",
    "values_block",
    "where_group_start",
]
