"""The client keeps a total deadline: ``--timeout`` bounds the whole request, whatever the
server does. Each server here would keep a per-read timeout of 1 s happy (it sends a byte
every 0.2 s) and finishes its answer only after 15 s, so a client without a total deadline
succeeds late, and these tests fail on the time taken and on the message."""

from __future__ import annotations

import json
import socket
import threading
import time

from _hostile import drip, hostile_server
from support import run_kg

DOCUMENT = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()
DRIP_SECONDS = 15.0
WITHIN = 8.0
"""The run takes the 1 s deadline plus kg's start-up; far less than the server's 15 s."""


def _headers(length: int | None = None, chunked: bool = False) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/sparql-results+json"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _query(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    done = run_kg("query", "member-count", "--endpoint", url, "--timeout", "1")
    return done.returncode, done.stderr, time.monotonic() - started


def test_headers_dripped_one_byte_at_a_time_hit_the_deadline() -> None:
    head = _headers(len(DOCUMENT))
    every = DRIP_SECONDS / len(head)

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        drip(conn, stop, head, every)
        conn.sendall(DOCUMENT)

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        code, stderr, elapsed = _query(url)
    assert (code, stderr) == (2, f"kg: error: {url}: no answer within 1 s (timed out)\n")
    assert elapsed < WITHIN


def test_a_body_dripped_one_byte_at_a_time_hits_the_deadline() -> None:
    every = DRIP_SECONDS / len(DOCUMENT)

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_headers(len(DOCUMENT)))
        drip(conn, stop, DOCUMENT, every)

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        code, stderr, elapsed = _query(url)
    assert (code, stderr) == (
        2,
        f"kg: error: {url}: HTTP 200 the answer did not arrive in full within 1 s (timed out)\n",
    )
    assert elapsed < WITHIN


def test_an_endless_chunked_body_hits_the_deadline() -> None:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_headers(chunked=True))
        conn.sendall(b"%x\r\n%s\r\n" % (len(DOCUMENT), DOCUMENT))
        ends = time.monotonic() + DRIP_SECONDS
        while time.monotonic() < ends and not stop.wait(0.2):
            conn.sendall(b"1\r\n \r\n")  # JSON may end in any amount of white space
        conn.sendall(b"0\r\n\r\n")

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        code, stderr, elapsed = _query(url)
    assert (code, stderr) == (
        2,
        f"kg: error: {url}: HTTP 200 the answer did not arrive in full within 1 s (timed out)\n",
    )
    assert elapsed < WITHIN
