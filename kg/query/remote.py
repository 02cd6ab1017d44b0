"""Query any SPARQL 1.1 endpoint (Fuseki, GraphDB, Virtuoso, QLever, Oxigraph) like a local engine.

:class:`RemoteEngine` builds a query request with SPARQLWrapper by the SPARQL 1.1 Protocol, sends
it through :func:`kg.query.transport.exchange` and reads
the answer into the same :class:`kg.query.engines.QueryResult` as the in-process engines, with typed
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
- **A total deadline, a size cap, the content type first.** The whole request (connect,
  send, headers, body) ends within the timeout, in seconds, whatever the server does;
  SPARQLWrapper's own sending (urllib) bounds each read only, and its ``setTimeout`` truncates
  to whole seconds. An answer over ``max_bytes`` (default 64 MiB) is refused on its
  ``Content-Length`` or as soon as it passes the cap; an answer whose media type is not SPARQL
  results (for SELECT and ASK) or an RDF graph (CONSTRUCT, DESCRIBE) is refused on its headers,
  before its body is read. See :mod:`kg.query.transport` for how, and why that way.
- **One check of every URL** (:func:`check_url`): http(s) only, with a host, no spaces, no
  credentials in it.
- **Errors** (refused, unreachable, timed out, HTTP 3xx/4xx/5xx, an unreadable answer) raise
  :class:`kg.errors.EndpointError`, one line naming the URL, the status and the start of the
  server's message.

Parameters are bound as on the oxigraph engine (:mod:`kg.query.binding`): a ``VALUES`` block at the
start of the query's outermost group, each term serialised by rdflib (``term.n3()``) from the
typed, validated values of :meth:`kg.query.queries.Query.bindings`, never from the user's text,
proven not to change what the safety check judged. :func:`bind_values`, :func:`values_block`
and :func:`where_group_start` are re-exported from there. A value no text can carry is refused.

>>> from rdflib import Literal, Variable
>>> from kg.model.namespaces import XSD
>>> year = {Variable("year"): Literal("2010", datatype=XSD.gYear)}
>>> print(bind_values("SELECT ?m WHERE { ?m ?p ?d FILTER(YEAR(?d) = ?year) }", year))
SELECT ?m WHERE { VALUES (?year) { ("2010"^^<http://www.w3.org/2001/XMLSchema#gYear>) } ?m ?p ?d ...
"""

from __future__ import annotations

import base64
import re
import urllib.parse
import urllib.request
import warnings
from collections.abc import Collection, Mapping
from pathlib import Path

from rdflib import Graph, Variable
from rdflib.term import Node
from SPARQLWrapper import ASK, CONSTRUCT, DESCRIBE, GET, POST, SELECT, URLENCODED, SPARQLWrapper

from kg import __version__
from kg.errors import EndpointError, LoadError, QueryError
from kg.model import bounds
from kg.model.dataset import offline
from kg.model.namespaces import bind_prefixes
from kg.query.binding import bind, bind_values, values_block, where_group_start
from kg.query.engines import QueryResult
from kg.query.queries import check_safe
from kg.query.transport import DEFAULT_MAX_RESULT_MB, DEFAULT_TIMEOUT, MIB, Response, exchange

DEFAULT_MAX_BYTES = DEFAULT_MAX_RESULT_MB * MIB
"""The largest answer read from an endpoint unless told otherwise (64 MiB)."""

LIMIT_HINT = "raise the limit with --max-result-mb"

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
"""The media types read as SPARQL results: what was asked for, or its XML form."""
_GRAPH_SYNTAX = {
    "application/n-triples": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
"""The media types read as a graph. ``text/plain`` (N-Triples' old name) is not one of them: it
is what error pages sent with 200 use, so such an answer is refused on its headers."""
_QUERY_TYPE = {"select": SELECT, "ask": ASK, "construct": CONSTRUCT, "describe": DESCRIBE}


# --------------------------------------------------------------------------------------------
# HTTP


_HOST_AND_PORT = re.compile(r"[\w.-]+:\d+(?:/.*)?")


def shown_url(url: str) -> str:
    """``url`` fit for a message: credentials in it replaced by ``***``, control characters
    escaped, on one line.

    >>> shown_url("http://kg:s3cret@example.org/query")
    'http://***@example.org/query'
    """
    head, separator, rest = url.partition("://")
    if separator:
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            rest = "***@" + authority.rpartition("@")[2] + slash + path
        url = head + separator + rest
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in url)


def check_url(url: str) -> str:
    """``url`` if it is an absolute ``http`` or ``https`` URL a request can go to unchanged;
    anything else is one :class:`EndpointError` saying what is wrong and how to write it.

    This is the one check for every URL the user gives (``kg query --endpoint``, ``kg push``'s
    query and Graph Store URLs). Refused: another scheme (``file:``, ``ftp:``), no scheme
    (``localhost:7878``), no host, a malformed host or port (``http://[::1``), spaces, control
    or non-ASCII characters, and credentials (``user:password@``), which would end up in shell
    history and in messages: they are given with ``--user`` and ``--password-env`` instead, and
    are never repeated in the message.

    >>> check_url("file:///etc/passwd")
    Traceback (most recent call last):
    kg.errors.EndpointError: file:///etc/passwd: not an http(s) URL
    >>> check_url("http://kg:s3cret@example.org/query")
    Traceback (most recent call last):
    kg.errors.EndpointError: http://***@example.org/query: credentials in the URL are refused ...
    """
    shown = shown_url(url)
    if any(not c.isprintable() for c in url):
        raise EndpointError(shown, "the URL contains a control character")
    if any(c.isspace() for c in url):
        raise EndpointError(shown, "the URL contains a space (percent-encode it as %20)")
    if not url.isascii():
        raise EndpointError(
            shown,
            "the URL contains non-ASCII characters (percent-encode them; a domain name "
            "in its xn-- form)",
        )
    if "://" not in url:
        if _HOST_AND_PORT.fullmatch(url):
            raise EndpointError(shown, f"not an http(s) URL (no scheme: write http://{url})")
        raise EndpointError(shown, "not an http(s) URL")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointError(shown, f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise EndpointError(shown, "not an http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise EndpointError(
            shown, "credentials in the URL are refused (use --user and --password-env VAR)"
        )
    if not parts.hostname:
        raise EndpointError(shown, "the URL has no host")
    if port == 0:
        raise EndpointError(shown, "the URL has port 0")
    return url


def basic_auth(user: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic authentication.

    >>> basic_auth("kg", "secret")
    'Basic a2c6c2VjcmV0'
    """
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def http_request(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user: str | None = None,
    password: str | None = None,
    accept: Collection[str] | None = None,
    expected: str = "",
    allow: Collection[int] = (),
    doing: str = "",
) -> Response:
    """Send one HTTP request and return the answer, by :func:`kg.query.transport.exchange`: the
    whole request within ``timeout`` seconds, the answer at most ``max_bytes`` bytes, its media type
    one of ``accept`` (if given) before its body is read. An error status, a refused or broken
    connection, a redirect or the deadline raises :class:`EndpointError`.
    """
    check_url(url)
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    if user is not None:
        sent["Authorization"] = basic_auth(user, password or "")
    return exchange(
        method,
        url,
        data=data,
        headers=sent,
        timeout=timeout,
        max_bytes=max_bytes,
        accept=accept,
        expected=expected,
        allow=allow,
        doing=doing,
        limit_hint=LIMIT_HINT,
    )


class _Client(SPARQLWrapper):
    """SPARQLWrapper, used to build the request (method, parameters, headers, credentials);
    :meth:`RemoteEngine.send` sends it through :func:`kg.query.transport.exchange`, under a total
    deadline and a size cap, which SPARQLWrapper's own sending (urllib) cannot give."""

    def request(self) -> urllib.request.Request:
        """The request SPARQLWrapper would send."""
        built: urllib.request.Request = self._createRequest()
        return built


# --------------------------------------------------------------------------------------------
# The engine


class RemoteEngine:
    """A SPARQL 1.1 endpoint at ``url`` as an :class:`kg.query.engines.Engine`.

    ``timeout`` is in seconds, for the whole request (connect, send, headers and body);
    ``max_bytes`` caps the answer's size (``--max-result-mb``). ``user`` and ``password`` are
    sent as HTTP Basic authentication. ``update_url`` is where SPARQL Update would go; queries never
    update (:func:`kg.query.queries.check_safe` refuses it), and ``kg push`` uses the Graph Store
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
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.url = check_url(url)
        self.update_url = check_url(update_url) if update_url is not None else None
        if not timeout > 0:
            raise QueryError(f"the timeout must be a positive number of seconds, not {timeout}")
        self.timeout = float(timeout)
        if not max_bytes > 0:
            raise QueryError(f"the size limit must be a positive number of bytes, not {max_bytes}")
        self.max_bytes = max_bytes
        self.user = user
        self.password = password

    def __repr__(self) -> str:
        return f"RemoteEngine({self.url!r}, timeout={self.timeout:g})"

    def query(self, text: str, bindings: Mapping[Variable, Node] | None = None) -> QueryResult:
        """Check ``text``, bind ``bindings`` as a ``VALUES`` block, send it and read the answer."""
        parsed = check_safe(text)
        final = bind(parsed, bindings or {})  # the judged text, bound (see kg.query.binding)
        response = self.send(final, parsed.kind)
        return self._result(response, parsed.kind)

    def client(self, text: str, kind: str) -> _Client:
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
        if self.user is not None:
            client.setCredentials(self.user, self.password or "")
        return client

    def send(self, text: str, kind: str) -> Response:
        """Send ``text`` and return the raw answer (errors as :class:`EndpointError`)."""
        request = self.client(text, kind).request()
        tabular = kind in ("select", "ask")
        return exchange(
            request.get_method(),
            request.full_url,
            data=request.data if isinstance(request.data, bytes) else None,
            headers=dict(request.header_items()),
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            accept=_RESULT_SYNTAX if tabular else _GRAPH_SYNTAX,
            expected="SPARQL results" if tabular else "an RDF graph",
            limit_hint=LIMIT_HINT,
            named=self.url,
        )

    def _result(self, response: Response, kind: str) -> QueryResult:
        tabular = kind in ("select", "ask")
        syntax = (_RESULT_SYNTAX if tabular else _GRAPH_SYNTAX)[response.media_type]
        try:  # the parsers' bounds, as for files: no DTD, no huge literal, no deep nesting
            bounds.check_syntax(
                Path(self.url), response.body, "json-ld" if syntax == "json" else syntax
            )
        except LoadError as exc:
            raise EndpointError(
                self.url, f"sent an answer that is refused: {exc.message}"
            ) from None
        try:
            with offline():
                if tabular:
                    result = QueryResult.parse(response.body, syntax)
                else:
                    graph = bind_prefixes(Graph(bind_namespaces="none"))
                    safe = bounds.SAFE_XML_FORMAT if syntax == "xml" else syntax
                    graph.parse(data=response.body, format=safe)
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
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "LIMIT_HINT",
    "MIB",
    "POST_THRESHOLD",
    "RemoteEngine",
    "Response",
    "basic_auth",
    "bind_values",
    "check_url",
    "shown_url",
    "http_request",
    "values_block",
    "where_group_start",
]
