"""The client checks an answer's content type on its headers, before reading its body: an
HTML page or a plain-text message sent with 200 is one line naming URL, status and type."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from _hostile import hostile_server
from support import run_kg

CONSTRUCT_RQ = str(Path(__file__).parent / "fixtures" / "construct.rq")


def _stalling(content_type: str | None) -> object:
    """Headers announcing 50 MB of ``content_type``, then nothing: reading the body would wait
    for the deadline."""
    typed = f"Content-Type: {content_type}\r\n".encode() if content_type else b""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + typed + b"Content-Length: 50000000\r\n\r\n<html>")
        stop.wait(30)

    return behave


@pytest.mark.parametrize(
    ("query", "content_type", "said"),
    [
        ("member-count", "text/html; charset=utf-8", "answered text/html, not SPARQL results"),
        ("member-count", "text/plain", "answered text/plain, not SPARQL results"),
        ("member-count", None, "answered without a Content-Type, not SPARQL results"),
        (CONSTRUCT_RQ, "text/plain", "answered text/plain, not an RDF graph"),
        (CONSTRUCT_RQ, "text/html", "answered text/html, not an RDF graph"),
    ],
)
def test_a_wrong_content_type_is_refused_before_the_body(
    query: str, content_type: str | None, said: str
) -> None:
    with hostile_server(_stalling(content_type)) as server:  # type: ignore[arg-type]
        url = f"{server.url}/query"
        started = time.monotonic()
        done = run_kg("query", query, "--endpoint", url, "--timeout", "20")
        elapsed = time.monotonic() - started
    assert (done.returncode, done.stderr) == (2, f"kg: error: {url}: HTTP 200 {said}\n")
    assert elapsed < 15  # refused on the headers, not after waiting for the body
