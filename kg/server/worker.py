"""A query worker of ``kg serve``: ``python -m kg.server.worker --location STORE [--open]``.

The first thing it does, before it imports the engine, is to enter a network namespace of
its own (:func:`kg.query.sandbox.isolate_network`): from then on no connection can be made from this
process, to 127.0.0.1 or anywhere, whatever a query asks (``SERVICE`` included). It listens
on nothing either: the front reaches it only through the two pipes it was started with, so no
other local process can send it a query. ``--open`` (``kg serve --no-network-isolation``)
skips the namespace.

It then opens the Oxigraph store read-only and answers requests, one at a time. A request is
one line of JSON on stdin::

    {"query": TEXT, "accept": MEDIA_TYPE, "default": [IRI, ...] | null,
     "named": [IRI, ...] | null, "max_bytes": N, "base": IRI | null}

and the answer is one line of JSON, ``{"status": 200, "content_type": ..., "length": N}``
(``"too_large": true`` when the result passed ``max_bytes``), followed by ``length`` bytes of
body. It starts by writing ``{"ready": true, "isolated": BOOL}``. The front keeps the deadline
and the memory bound: it kills this process when either is passed.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

from kg.query.sandbox import SandboxUnavailable, isolate_network


class TooLarge(Exception):
    """The serialised result passed the byte limit."""


class _Capped:
    """A binary sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge()
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _graphs(ox: Any, iris: list[str] | None) -> list[Any] | None:
    return None if iris is None else [ox.NamedNode(iri) for iri in iris]


def answer(ox: Any, store: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The header and body that answer one request."""
    default, named = request.get("default"), request.get("named")
    options: dict[str, Any] = {"base_iri": request.get("base")}
    if default is not None or named is not None:
        options["default_graph"] = _graphs(ox, default or [])
        options["named_graphs"] = _graphs(ox, named or [])
    try:
        result = store.query(request["query"], **options)
        if isinstance(result, ox.QueryBoolean | ox.QuerySolutions):
            format = ox.QueryResultsFormat.from_media_type(request["accept"])
        else:
            format = ox.RdfFormat.from_media_type(request["accept"])
        if format is None:
            return _text(406, f"cannot write this result as {request['accept']}")
        sink = _Capped(int(request["max_bytes"]))
        result.serialize(sink, format)
    except SyntaxError as error:
        return _text(400, " ".join(str(error).split()))
    except TooLarge:
        header, body = _text(500, "the result is too large")
        header["too_large"] = True
        return header, body
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        if isinstance(error.__context__, TooLarge) or isinstance(error.__cause__, TooLarge):
            header, body = _text(500, "the result is too large")
            header["too_large"] = True
            return header, body
        return _text(500, " ".join(str(error).split()) or type(error).__name__)
    body = b"".join(sink.chunks)
    return {"status": 200, "content_type": format.media_type, "length": len(body)}, body


def _text(status: int, message: str) -> tuple[dict[str, Any], bytes]:
    body = message.encode("utf-8")
    return {"status": status, "content_type": "text/plain", "length": len(body)}, body


def serve(store: Any, ox: Any, source: BinaryIO, sink: BinaryIO, isolated: bool) -> None:
    """Answer requests from ``source`` on ``sink`` until ``source`` closes."""
    sink.write(json.dumps({"ready": True, "isolated": isolated}).encode("utf-8") + b"\n")
    sink.flush()
    for line in source:
        try:
            request = json.loads(line)
            header, body = answer(ox, store, request)
        except (ValueError, KeyError, TypeError) as error:
            header, body = _text(400, f"unreadable request ({type(error).__name__})")
        sink.write(json.dumps(header).encode("utf-8") + b"\n" + body)
        sink.flush()


def main(argv: list[str] | None = None) -> int:
    """Isolate, open the store, serve; exit 3 when the namespace cannot be had."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "--location":
        print("usage: python -m kg.server.worker --location STORE [--open]", file=sys.stderr)
        return 2
    isolated = "--open" not in args[2:]
    if isolated:
        try:
            isolate_network()
        except SandboxUnavailable as error:
            print(f"kg serve worker: {error}", file=sys.stderr, flush=True)
            return 3
    import pyoxigraph as ox  # only now: the engine never runs outside the namespace

    store = ox.Store.read_only(args[1])
    serve(store, ox, sys.stdin.buffer, sys.stdout.buffer, isolated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
