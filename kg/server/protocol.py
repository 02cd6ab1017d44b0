"""Read a SPARQL 1.1 Protocol request into a query and its dataset, or refuse it.

Three forms carry a query: ``GET ?query=``, ``POST`` of ``application/x-www-form-urlencoded``
with ``query=`` in the body, and ``POST`` of ``application/sparql-query`` with the query as the
UTF-8 body. ``default-graph-uri`` and ``named-graph-uri`` (repeatable) may come in the URL, or
in a form body. Anything that asks for an update is refused (403) without being read further:
an ``update`` parameter, or a body of ``application/sparql-update``.

>>> read_request("GET", "query=ASK%20%7B%7D&default-graph-uri=urn%3Ag", None, b"").query
'ASK {}'
>>> read_request("POST", "", "text/plain", b"ASK {}")
Traceback (most recent call last):
kg.server.protocol.ProtocolError: 415: unsupported Content-Type 'text/plain' (use ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


class ProtocolError(Exception):
    """A request the endpoint refuses: its HTTP status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


@dataclass(frozen=True)
class QueryRequest:
    """What a protocol request asks: the query text (``None``: none given) and its dataset."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def dataset_parameters(self) -> list[tuple[str, str]]:
        """The dataset as URL parameters, to pass on to the backend."""
        return [("default-graph-uri", g) for g in self.default_graphs] + [
            ("named-graph-uri", g) for g in self.named_graphs
        ]


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """``Content-Type`` → (lower-case media type, parameters).

    >>> media_type("application/sparql-query; charset=UTF-16")
    ('application/sparql-query', {'charset': 'utf-16'})
    """
    if content_type is None:
        return "", {}
    kind, *params = (part.strip() for part in content_type.split(";"))
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.lower(), parsed


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{what} is not UTF-8 (byte {exc.start})") from None


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"{what} is not UTF-8 after percent-decoding") from None
    except ValueError as exc:
        raise ProtocolError(400, f"cannot read {what}: {exc}") from None


def read_request(
    method: str, url_query: str, content_type: str | None, body: bytes
) -> QueryRequest:
    """The query and dataset of a request, or :class:`ProtocolError` (400, 403, 405 or 415).

    >>> read_request("POST", "", FORM, b"update=CLEAR%20ALL")
    Traceback (most recent call last):
    kg.server.protocol.ProtocolError: 403: updates are refused: this endpoint is read-only
    >>> read_request("GET", "query=ASK%7B%7D&query=ASK%7B%7D", None, b"")
    Traceback (most recent call last):
    kg.server.protocol.ProtocolError: 400: give one query, not 2
    >>> read_request("GET", "", None, b"").query is None
    True
    """
    params = _pairs(url_query, "the URL's query string")
    query_text: str | None = None
    if method == "POST":
        kind, type_params = media_type(content_type)
        if kind == UPDATE:
            raise ProtocolError(403, "updates are refused: this endpoint is read-only")
        if kind == FORM:
            params += _pairs(_decode(body, "the form body"), "the form body")
        elif kind == QUERY:
            charset = type_params.get("charset", "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(400, f"the query must be sent as UTF-8, not {charset}")
            query_text = _decode(body, "the query")
        elif not kind:
            raise ProtocolError(
                400, f"a POST needs a Content-Type: {QUERY} or {FORM} with query=..."
            )
        else:
            raise ProtocolError(
                415, f"unsupported Content-Type '{kind}' (use {QUERY}, or {FORM} with query=...)"
            )
    elif method != "GET":
        raise ProtocolError(405, f"method {method} is not allowed here (use GET or POST)")
    names = [name for name, _ in params]
    if "update" in names or any(n.startswith("using-") for n in names):
        raise ProtocolError(403, "updates are refused: this endpoint is read-only")
    queries = [value for name, value in params if name == "query"]
    if query_text is not None:
        queries.insert(0, query_text)
    if len(queries) > 1:
        raise ProtocolError(400, f"give one query, not {len(queries)}")
    return QueryRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(v for n, v in params if n == "default-graph-uri"),
        named_graphs=tuple(v for n, v in params if n == "named-graph-uri"),
        parameters=tuple(params),
    )


__all__ = [
    "DATASET_PARAMETERS",
    "FORM",
    "QUERY",
    "UPDATE",
    "ProtocolError",
    "QueryRequest",
    "media_type",
    "read_request",
]
