"""One HTTP exchange under a total deadline, a size cap and a content-type check.

Every request :mod:`kg.query.remote` and :mod:`kg.publish.push` make goes through :func:`exchange`,
which promises three things whatever the server does:

- **A total deadline.** The whole exchange (name lookup, connect, TLS handshake, sending,
  the status line, the headers, the body) ends within ``timeout`` seconds. A socket timeout
  alone bounds each read, not the exchange: a server that drips one byte a second, sends
  headers slowly or an endless chunked body never trips a per-read timeout of 2 s.
- **A size cap.** An answer whose ``Content-Length`` is above ``max_bytes`` is refused before
  a byte of its body is read; any other stops being read as soon as it passes the cap.
- **The content type first.** A successful answer whose media type is not one that was asked
  for (an HTML login page sent with 200, a ``text/plain`` message) is refused on its headers,
  before the body is read.

How, and why this way. The request goes out with :mod:`http.client` over a socket this
module opens; the answer is read through :class:`_DeadlineReader`, which sets the socket's
timeout to the time left before *every* ``recv`` and refuses when none is left. http.client
reads the status line, every header, every chunk size and the body through that reader, so no
byte anywhere in the answer can be waited for past the deadline, and no thread is needed.
The alternatives were weaker: urllib (and so SPARQLWrapper's own sending) only takes a
per-read timeout; a watchdog thread that shuts the socket at the deadline works too, but costs
a thread per request and races the read it interrupts. ``getaddrinfo`` ignores socket
timeouts, so a host name is looked up in a daemon thread that is waited for only as long as
the deadline allows; ``sendall`` takes the time left as its total (Python 3.5+); the TLS
handshake runs non-blocking, each step waiting only for the time left.

Redirects are not followed: a 3xx is an error naming where it points, so credentials never
travel to a host the user did not name, and a ``PUT`` is never silently re-sent elsewhere.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import select
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kg.errors import EndpointError

DEFAULT_TIMEOUT = 30.0
"""Seconds a whole request may take (connect, send, headers and body) unless told otherwise."""

DEFAULT_MAX_RESULT_MB = 64
"""The default cap on an answer's size, in MiB (``--max-result-mb``)."""

MIB = 1024 * 1024

ERROR_BODY_BYTES = 8192
"""How much of an error answer's body is read for the message (the message shows less)."""

_CHUNK = 65536


class DeadlineExceeded(TimeoutError):
    """The exchange's deadline has passed."""


class Deadline:
    """A point in time ``seconds`` from now; :meth:`left` is the time remaining."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left, always positive; raises :class:`DeadlineExceeded` when none are."""
        remaining = self._end - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded(f"deadline of {self.seconds:g} s passed")
        return remaining


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every ``recv`` waits only for the time left."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What :class:`http.client.HTTPResponse` reads from: ``makefile`` gives the deadline's
    reader instead of the socket's own file."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, media type (no parameters, lower case) and body."""

    status: int
    media_type: str
    body: bytes


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower case, without parameters.

    >>> media_type("Text/Turtle; charset=utf-8")
    'text/turtle'
    """
    return (content_type or "").split(";")[0].strip().lower()


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def _mib(size: int) -> str:
    return f"{size / MIB:g} MiB"


def _printable(text: str, limit: int = 200) -> str:
    """``text`` on one line, control characters escaped, at most ``limit`` characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _resolve(host: str, port: int, deadline: Deadline) -> list[Any]:
    """The addresses of ``host``, looked up in a daemon thread waited for until the deadline."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:  # a literal address: no lookup that could hang
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Any] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            found.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name=f"resolve {host}", daemon=True).start()
    if not done.wait(deadline.left()):
        raise DeadlineExceeded(f"looking up {host}")
    if isinstance(found[0], OSError):
        raise found[0]
    addresses: list[Any] = found[0]
    return addresses


def _connect(host: str, port: int, deadline: Deadline) -> socket.socket:
    error: OSError | None = None
    for family, kind, protocol, _name, address in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, protocol)
        try:
            sock.settimeout(deadline.left())
            sock.connect(address)
            return sock
        except DeadlineExceeded:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


def _handshake(sock: socket.socket, host: str, deadline: Deadline) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    secure = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    secure.settimeout(0.0)
    while True:
        try:
            secure.do_handshake()
            return secure
        except ssl.SSLWantReadError:
            readable, _, _ = select.select([secure], [], [], deadline.left())
        except ssl.SSLWantWriteError:
            _, writable, _ = select.select([], [secure], [], deadline.left())
        deadline.left()  # the select above waited until the deadline: stop here


def _read_capped(response: http.client.HTTPResponse, max_bytes: int) -> bytes | None:
    """The body, or ``None`` as soon as it passes ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > max_bytes:
            return None
        parts.append(chunk)


def exchange(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_RESULT_MB * MIB,
    accept: Collection[str] | None = None,
    expected: str = "",
    allow: Collection[int] = (),
    doing: str = "",
    limit_hint: str = "",
    named: str | None = None,
) -> Response:
    """Send one request to ``url`` (already checked by :func:`kg.query.remote.check_url`) and read
    the answer, all within ``timeout`` seconds; see the module for what is promised.

    ``accept``: the media types a successful answer may have (``None``: any), ``expected``
    what they are called in a message (``"SPARQL results"``). ``allow``:
    statuses returned (with an empty body, unread) rather than raised, such as 404 for a graph
    that does not exist. ``doing`` names the request in messages (``"PUT <graph>"``);
    ``limit_hint`` says how to raise the size cap; ``named`` is the URL messages name (the
    endpoint's, not the request's with the query on it). Every failure is an
    :class:`EndpointError`.
    """
    prefix = f"{doing}: " if doing else ""
    deadline = Deadline(timeout)
    label = named or url
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    status: int | None = None
    sock: socket.socket | None = None
    try:
        try:
            sock = _connect(host, port, deadline)
            if secure:
                sock = _handshake(sock, host, deadline)
            connection = http.client.HTTPConnection(host, port)
            connection.sock = sock
            sock.settimeout(deadline.left())
            connection.request(method, target, body=data, headers=dict(headers or {}))
            response = http.client.HTTPResponse(
                _DeadlineSocket(sock, deadline),  # type: ignore[arg-type]
                method=method,
            )
            response.begin()
            status = response.status
            return _answer(response, label, max_bytes, accept, allow, prefix, limit_hint, expected)
        except (OSError, http.client.HTTPException) as exc:
            raise _failure(label, exc, timeout, prefix, status) from exc
    finally:
        if sock is not None:
            sock.close()


def _answer(
    response: http.client.HTTPResponse,
    url: str,
    max_bytes: int,
    accept: Collection[str] | None,
    allow: Collection[int],
    prefix: str,
    limit_hint: str,
    expected: str,
) -> Response:
    status = response.status
    media = media_type(response.getheader("Content-Type"))
    reason = _printable(response.reason or "", 100)
    if status in allow:
        return Response(status, media, b"")
    if 300 <= status < 400:
        location = _printable(response.getheader("Location") or "nowhere")
        raise EndpointError(
            url,
            f"{prefix}{reason or 'redirect'}: redirects to {location} (not followed; give that "
            "URL instead)",
            status=status,
        )
    if status >= 400 or status < 200:
        try:
            body = response.read(ERROR_BODY_BYTES)
        except (OSError, http.client.HTTPException):  # the deadline, or the body is gone
            body = b""
        said = f"{prefix}{reason or 'error'}".strip()
        raise EndpointError(url, said, status=status, body=body.decode(errors="replace"))
    if accept is not None and media not in accept:
        wanted = expected or ", ".join(sorted(accept))
        said = f"{prefix}answered {media or 'without a Content-Type'}, not {wanted}"
        raise EndpointError(url, said, status=status)
    hint = f"; {limit_hint}" if limit_hint else ""
    length = response.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise EndpointError(
            url,
            f"{prefix}the answer is {int(length)} bytes, over the limit of {_mib(max_bytes)} "
            f"(not read{hint})",
            status=status,
        )
    capped = _read_capped(response, max_bytes)
    if capped is None:
        raise EndpointError(
            url,
            f"{prefix}the answer passed the limit of {_mib(max_bytes)} (stopped reading{hint})",
            status=status,
        )
    return Response(status, media, capped)


def _failure(
    url: str, exc: BaseException, timeout: float, prefix: str, status: int | None
) -> EndpointError:
    """The :class:`EndpointError` for a failed exchange (an error status is raised earlier)."""
    if isinstance(exc, EndpointError):
        return exc
    if isinstance(exc, TimeoutError):
        if status is not None:
            said = f"{prefix}the answer did not arrive in full within {_seconds(timeout)}"
            return EndpointError(url, f"{said} (timed out)", status=status)
        return EndpointError(url, f"{prefix}no answer within {_seconds(timeout)} (timed out)")
    if isinstance(exc, ConnectionRefusedError):
        return EndpointError(url, f"{prefix}connection refused (is the endpoint running?)")
    if isinstance(exc, socket.gaierror):
        return EndpointError(url, f"{prefix}unknown host ({exc.strerror or exc})")
    if isinstance(exc, ssl.SSLError):
        detail = _printable(exc.reason or str(exc))
        return EndpointError(url, f"{prefix}TLS failed ({detail})")
    detail = _printable(" ".join(str(exc).split()) or type(exc).__name__)
    if isinstance(exc, http.client.HTTPException | ConnectionError):
        return EndpointError(url, f"{prefix}the connection broke ({detail})", status=status)
    return EndpointError(url, f"{prefix}cannot reach the endpoint ({detail})")


__all__ = [
    "DEFAULT_MAX_RESULT_MB",
    "DEFAULT_TIMEOUT",
    "MIB",
    "Deadline",
    "DeadlineExceeded",
    "Response",
    "exchange",
    "media_type",
]
